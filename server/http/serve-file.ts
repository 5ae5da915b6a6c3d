/**
 * The HTTP file route, `GET|HEAD /v1/files/<item id>` (docs/protocol.md, "HTTP
 * mapping"). A thin I/O shell around pure decisions: route.ts finds the item
 * id, response-plan.ts decides status, header fields and body layout; this
 * module authenticates and stats, and serve-entry.ts opens and streams with
 * backpressure (the same code serves share links and the web page).
 *
 * The route template comes from the `google.api.http` annotation on
 * ReadFile, so the proto stays the single source of truth.
 */
import { getOption } from "@bufbuild/protobuf";
import type pino from "pino";
import { http as httpRule } from "../../gen/google/api/annotations_pb.js";
import { PeerService } from "../../gen/peer/v1/peer_pb.js";
import { authenticateRequest } from "../auth/authenticate-request.js";
import type { Authenticate } from "../auth/principal.js";
import { extractApiKey } from "../auth/token.js";
import type { Catalog } from "../catalog/catalog.js";
import type { StreamLimiter } from "../limits/stream-limiter.js";
import { headerValue } from "../../common/http/preconditions.js";
import { compileRoute } from "./route.js";
import {
  runCall,
  sendNotFound,
  sendText,
  type Call,
  type CallServices,
  type RouteRequest,
  type RouteResponse,
} from "./route-call.js";
import { serveEntry } from "./serve-entry.js";

/** Options of {@link createFileRoute}. */
export interface FileRouteOptions {
  /** Resolves item ids to files. */
  readonly catalog: Catalog;
  /** Checks the presented API key. */
  readonly authenticate: Authenticate;
  /** Request and error log; keys and OS paths are never logged. */
  readonly logger: pino.Logger;
  /** Caps concurrent body streams per key (429 + Retry-After when refused); unlimited when absent. */
  readonly limiter?: StreamLimiter | undefined;
  /**
   * Largest read from disk. Measured (docs/connect-notes.md): 2 MiB reads serve
   * curl at ≈ 0.94× nginx, 64 KiB reads only ≈ 0.36×. Each response starts
   * with 64 KiB reads and grows to this as the client drains (read-size.ts).
   * @default DEFAULT_CHUNK_SIZE
   */
  readonly chunkSize?: number | undefined;
}

/** Default read size of the route: 2 MiB. */
export const DEFAULT_CHUNK_SIZE = 2 * 1024 * 1024;

export type { RouteRequest, RouteResponse } from "./route-call.js";

/** Handles the request and returns true when it is under the route's prefix; false (touching nothing) otherwise. */
export type FileRoute = (req: RouteRequest, res: RouteResponse) => boolean;

/** The route template from the `google.api.http` rule on ReadFile, e.g. `/v1/files/{item_id=**}`. */
export function readFileRouteTemplate(): string {
  const rule = getOption(PeerService.method.readFile, httpRule);
  if (rule.pattern.case !== "get")
    throw new Error("ReadFile has no google.api.http GET rule in peer.proto; the HTTP route needs one");
  return rule.pattern.value;
}

/** The presented key, read exactly as the RPC interceptor reads it (server/auth/token.ts). */
export function presentedKey(req: RouteRequest): string | undefined {
  return extractApiKey(headerValue(req.headers, "authorization"), headerValue(req.headers, "x-api-key"));
}

/** Checks `chunkSize` (default {@link DEFAULT_CHUNK_SIZE}) and returns it. */
export function resolveChunkSize(chunkSize: number | undefined): number {
  const size = chunkSize ?? DEFAULT_CHUNK_SIZE;
  if (!Number.isSafeInteger(size) || size < 1)
    throw new RangeError(`chunkSize must be a positive integer, got ${size}`);
  return size;
}

/** What every route built on runCall shares, from its options (chunkSize checked; default {@link DEFAULT_CHUNK_SIZE}). */
export function callServices(
  options: Pick<FileRouteOptions, "catalog" | "logger" | "limiter"> & { readonly chunkSize?: number | undefined },
): CallServices {
  return {
    catalog: options.catalog,
    logger: options.logger,
    limiter: options.limiter,
    chunkSize: resolveChunkSize(options.chunkSize),
  };
}

/** Creates the GET/HEAD file route for connectNodeAdapter's `fallback` (or any Node listener). */
export function createFileRoute(options: FileRouteOptions): FileRoute {
  const services = callServices(options);
  const matcher = compileRoute(readFileRouteTemplate());
  return (req, res) => {
    const match = matcher.match(req.url ?? "/");
    if (match.kind === "outside") return false;
    runCall(services, req, res, match.kind === "match" ? match.value : undefined, (call) => handle(call, options));
    return true;
  };
}

async function handle(call: Call, options: FileRouteOptions): Promise<void> {
  const { method } = call;
  if (method !== "GET" && method !== "HEAD") {
    sendText(call, 405, "method not allowed: use GET or HEAD\n", { Allow: "GET, HEAD" });
    return;
  }
  const auth = await authenticateRequest(options.authenticate, presentedKey(call.req));
  if (!auth.ok && auth.denied) {
    sendText(call, 403, `forbidden: ${auth.error.rawMessage}\n`);
    return;
  }
  if (!auth.ok) {
    const challenge = auth.presented ? 'Bearer realm="peer", error="invalid_token"' : 'Bearer realm="peer"';
    sendText(call, 401, "unauthenticated: send Authorization: Bearer <key> or X-Api-Key: <key>\n", {
      "WWW-Authenticate": challenge,
    });
    return;
  }
  const { principal } = auth;
  call.keyId = principal.keyId;
  // Unknown ids, ids that escape a share, and undecodable paths: one answer.
  const entry = call.itemId === undefined ? undefined : await options.catalog.stat(call.itemId);
  if (entry === undefined) {
    sendNotFound(call);
    return;
  }
  await serveEntry(call, { limiterKey: principal.keyId }, entry);
}
