/**
 * The HTTP file route, `GET|HEAD /v1/files/<item id>` (protocol.md, "HTTP
 * mapping"). A thin I/O shell around pure decisions: route.ts finds the item
 * id, response-plan.ts decides status, header fields and body layout, and
 * this module authenticates, stats, opens, and streams with backpressure.
 *
 * The route template comes from the `google.api.http` annotation on
 * ReadFile, so the proto stays the single source of truth.
 */
import type * as http from "node:http";
import type * as http2 from "node:http2";
import { getOption } from "@bufbuild/protobuf";
import type pino from "pino";
import { http as httpRule } from "../../gen/google/api/annotations_pb.js";
import { PeerService } from "../../gen/peer/v1/peer_pb.js";
import { authenticateRequest } from "../auth/authenticate-request.js";
import type { Authenticate } from "../auth/principal.js";
import { extractApiKey } from "../auth/token.js";
import type { Catalog, FileEntry } from "../catalog/catalog.js";
import { FileChangedError, openEntry, readChunks, type OpenFile } from "../files/file-reader.js";
import type { StreamLimiter } from "../limits/stream-limiter.js";
import { randomBoundary } from "./multipart.js";
import { headerValue } from "./preconditions.js";
import { abortResponse, drained, type NodeResponse as Res } from "./node-response.js";
import { nextReadSize } from "./read-size.js";
import { planResponse, type ResponsePlan } from "./response-plan.js";
import { compileRoute } from "./route.js";

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
   * Largest read from disk. Measured (connect-notes.md): 2 MiB reads serve
   * curl at ≈ 0.94× nginx, 64 KiB reads only ≈ 0.36×. Each response starts
   * with 64 KiB reads and grows to this as the client drains (read-size.ts).
   * @default DEFAULT_CHUNK_SIZE
   */
  readonly chunkSize?: number | undefined;
}

/** Default read size of the route: 2 MiB. */
export const DEFAULT_CHUNK_SIZE = 2 * 1024 * 1024;

/** Request types the route accepts (HTTP/1.1 and the HTTP/2 compatibility API). */
export type RouteRequest = http.IncomingMessage | http2.Http2ServerRequest;
/** Response types the route accepts. */
export type RouteResponse = http.ServerResponse | http2.Http2ServerResponse;

/** Handles the request and returns true when it is under the route's prefix; false (touching nothing) otherwise. */
export type FileRoute = (req: RouteRequest, res: RouteResponse) => boolean;


/** The route template from the `google.api.http` rule on ReadFile, e.g. `/v1/files/{item_id=**}`. */
export function readFileRouteTemplate(): string {
  const rule = getOption(PeerService.method.readFile, httpRule);
  if (rule.pattern.case !== "get") throw new Error("ReadFile has no google.api.http GET rule in peer.proto; the HTTP route needs one");
  return rule.pattern.value;
}

/** The presented key, read exactly as the RPC interceptor reads it (server/auth/token.ts). */
export function presentedKey(req: RouteRequest): string | undefined {
  return extractApiKey(headerValue(req.headers, "authorization"), headerValue(req.headers, "x-api-key"));
}

/** Creates the GET/HEAD file route for connectNodeAdapter's `fallback` (or any Node listener). */
export function createFileRoute(options: FileRouteOptions): FileRoute {
  const chunkSize = options.chunkSize ?? DEFAULT_CHUNK_SIZE;
  if (!Number.isSafeInteger(chunkSize) || chunkSize < 1) throw new RangeError(`chunkSize must be a positive integer, got ${chunkSize}`);
  const matcher = compileRoute(readFileRouteTemplate());
  return (req, res) => {
    const match = matcher.match(req.url ?? "/");
    if (match.kind === "outside") return false;
    const r = res as unknown as Res;
    // Aborts when the client goes away before the response finished; every wait below listens to it.
    const controller = new AbortController();
    r.once("close", () => {
      if (!r.writableFinished) controller.abort();
    });
    r.on("error", (err) => options.logger.debug({ err }, "file route: response error"));
    const call: Call = {
      options,
      chunkSize,
      req,
      res: r,
      method: req.method ?? "GET",
      signal: controller.signal,
      itemId: match.kind === "match" ? match.value : undefined,
      started: performance.now(),
      bytes: 0,
    };
    handle(call)
      .catch((err: unknown) => {
        options.logger.error({ err, method: `HTTP ${call.method}`, item: call.itemId?.slice(0, 300) }, "file route failed");
        if (!r.headersSent) sendText(call, 500, "internal error\n");
        else abortResponse(r);
      })
      .finally(() => {
        const clientClosed = controller.signal.aborted;
        controller.abort();
        // One line per request, like the RPC call log; never the key, never an OS path.
        // Same field names as the RPC call log (server/logging), plus the HTTP status.
        options.logger.info(
          {
            method: `HTTP ${call.method}`,
            item: call.itemId?.slice(0, 300),
            bytes: call.bytes,
            durationMs: Math.round((performance.now() - call.started) * 10) / 10,
            status: call.status,
            clientClosed: clientClosed || undefined,
            keyId: call.keyId,
          },
          "http",
        );
      });
    return true;
  };
}

/** Per-request state. */
interface Call {
  readonly options: FileRouteOptions;
  readonly chunkSize: number;
  readonly req: RouteRequest;
  readonly res: Res;
  readonly method: string;
  /** Aborted when the client leaves (or the request is done). */
  readonly signal: AbortSignal;
  readonly itemId: string | undefined;
  readonly started: number;
  /** Body bytes written (file bytes and multipart framing). */
  bytes: number;
  status?: number;
  keyId?: string;
}


/** Sends status and fields, and the text body unless the method is HEAD. */
function sendHead(call: Call, status: number, headers: Readonly<Record<string, string>>, text?: string): void {
  call.status = status;
  if (call.signal.aborted) return;
  call.res.writeHead(status, { ...headers });
  call.res.end(call.method === "HEAD" ? undefined : text);
}

/** A short text answer; never echoes paths or error messages. */
function sendText(call: Call, status: number, text: string, extra: Record<string, string> = {}): void {
  const headers = { ...extra, "Content-Type": "text/plain; charset=utf-8", "Content-Length": String(Buffer.byteLength(text)), "Cache-Control": "no-store" };
  sendHead(call, status, headers, text);
}

async function handle(call: Call): Promise<void> {
  const { options, method } = call;
  if (method !== "GET" && method !== "HEAD") {
    sendText(call, 405, "method not allowed: use GET or HEAD\n", { Allow: "GET, HEAD" });
    return;
  }
  const auth = await authenticateRequest(options.authenticate, presentedKey(call.req));
  if (!auth.ok) {
    const challenge = auth.presented ? 'Bearer realm="peer", error="invalid_token"' : 'Bearer realm="peer"';
    sendText(call, 401, "unauthenticated: send Authorization: Bearer <key> or X-Api-Key: <key>\n", { "WWW-Authenticate": challenge });
    return;
  }
  const { principal } = auth;
  call.keyId = principal.keyId;
  // Unknown ids, ids that escape a share, and undecodable paths: one answer.
  const entry = call.itemId === undefined ? undefined : await options.catalog.stat(call.itemId);
  if (entry === undefined) {
    sendText(call, 404, "not found\n");
    return;
  }
  await respond(call, principal.keyId, entry);
}

function plan(call: Call, entry: FileEntry): ResponsePlan {
  return planResponse({
    method: call.method,
    headers: call.req.headers,
    boundary: randomBoundary(),
    file: {
      size: entry.size,
      etag: entry.etag,
      modified: entry.modified.getTime(),
      contentType: entry.contentType,
      name: entry.name,
      sha256: entry.sha256,
    },
  });
}

async function respond(call: Call, keyId: string, first: FileEntry): Promise<void> {
  let entry = first;
  let decision = plan(call, entry);
  // HEAD mirrors GET's status and fields without opening the file; 304/412/416 carry no file bytes.
  if (call.method === "HEAD" || decision.body.kind !== "file") {
    sendHead(call, decision.status, decision.headers, decision.body.kind === "text" ? decision.body.text : undefined);
    return;
  }
  if (call.signal.aborted) return;
  const permit = call.options.limiter?.acquire(keyId);
  if (permit !== undefined && !permit.ok) {
    const seconds = String(Math.max(1, Math.ceil(permit.retryAfterMs / 1000)));
    sendText(call, 429, "too many concurrent downloads; retry later\n", { "Retry-After": seconds, "retry-after-ms": String(permit.retryAfterMs) });
    return;
  }
  let file: OpenFile | undefined;
  try {
    // Between stat and open the file may change: re-stat and re-decide once, then give up with 503.
    for (let attempt = 0; file === undefined; attempt++) {
      try {
        file = await openEntry(entry);
      } catch (err) {
        if (!(err instanceof FileChangedError)) throw err;
        const again = attempt === 0 ? await call.options.catalog.stat(entry.id) : undefined;
        if (again === undefined) {
          if (attempt === 0) sendText(call, 404, "not found\n");
          else sendText(call, 503, "the file is changing; retry later\n", { "Retry-After": "1" });
          return;
        }
        entry = again;
        decision = plan(call, entry);
        if (decision.body.kind !== "file") {
          sendHead(call, decision.status, decision.headers, decision.body.kind === "text" ? decision.body.text : undefined);
          return;
        }
      }
    }
    await stream(call, file, decision);
  } finally {
    await file?.close();
    if (permit?.ok) permit.release();
  }
}

/** Writes head and body; reads the next chunk only after the previous write drained. */
async function stream(call: Call, file: OpenFile, decision: ResponsePlan): Promise<void> {
  const { res, signal } = call;
  if (decision.body.kind !== "file") throw new Error("stream() needs a file body");
  if (signal.aborted) return;
  const send = async (chunk: string | Buffer): Promise<void> => {
    call.bytes += chunk.length;
    if (!res.write(chunk)) await drained(res, signal);
  };
  // The chunk's memory is reused for the next read: wait until this write has fully left the process.
  const sendFlushed = (chunk: Buffer): Promise<void> =>
    new Promise((resolve) => {
      call.bytes += chunk.length;
      const done = (): void => {
        signal.removeEventListener("abort", done);
        resolve();
      };
      signal.addEventListener("abort", done, { once: true });
      res.write(chunk, done);
    });

  call.status = decision.status;
  res.writeHead(decision.status, { ...decision.headers });
  try {
    let scratch: Buffer | undefined;
    for (const part of decision.body.parts) {
      if (part.head !== "") await send(part.head);
      // Slow start (read-size.ts): every write has flushed before the next read, so call.bytes is what the client took.
      for (let pos = part.first, end = part.last + 1; pos < end; ) {
        const size = Math.min(end - pos, nextReadSize(call.bytes, call.chunkSize));
        if (scratch === undefined || scratch.length < size) scratch = Buffer.allocUnsafe(size);
        for await (const chunk of readChunks(file, { start: pos, end: pos + size, chunkSize: size, signal, buffer: scratch })) {
          await sendFlushed(chunk);
          if (signal.aborted) return;
        }
        pos += size;
      }
    }
    if (decision.body.tail !== "") await send(decision.body.tail);
    if (!signal.aborted) res.end();
  } catch (err) {
    if (signal.aborted) return; // client went away: stop reading; the caller closes the file
    if (err instanceof FileChangedError) {
      // Never mix versions: cut the response short so the client sees an error (RFC 9112 §8: incomplete message).
      call.options.logger.warn({ item: file.entry.id }, "file changed during a response; connection aborted");
      abortResponse(res);
      return;
    }
    throw err;
  }
}
