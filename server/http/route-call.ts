/**
 * One request on a file-serving route (the key route `/v1/files/`, share
 * links `/v1/links/`, the web page's downloads): its state, the short text
 * answers, and the wrapper that catches failures and writes the one log line.
 * Shared so every route serves bytes through the same RFC 9110 code
 * (serve-entry.ts) and logs the same fields — never a key, token or cookie.
 */
import type * as http from "node:http";
import type * as http2 from "node:http2";
import type pino from "pino";
import type { Catalog } from "../catalog/catalog.js";
import type { ReadBufferPool } from "../limits/read-buffer-pool.js";
import type { StreamLimiter } from "../limits/stream-limiter.js";
import { abortResponse, type NodeResponse as Res } from "./node-response.js";

/** Request types the routes accept (HTTP/1.1 and the HTTP/2 compatibility API). */
export type RouteRequest = http.IncomingMessage | http2.Http2ServerRequest;
/** Response types the routes accept. */
export type RouteResponse = http.ServerResponse | http2.Http2ServerResponse;

/** What every file-serving route shares. */
export interface CallServices {
  /** Resolves item ids to files (and re-stats a file that changed before it was opened). */
  readonly catalog: Catalog;
  /** Request and error log; secrets and OS paths are never logged. */
  readonly logger: pino.Logger;
  /** Caps concurrent body streams (429 + Retry-After when refused); unlimited when absent. */
  readonly limiter?: StreamLimiter | undefined;
  /** Largest read from disk (see serve-file.ts, DEFAULT_CHUNK_SIZE). */
  readonly chunkSize: number;
  /** Where read buffers come from; default the process's pool (server/limits/read-buffer-pool.ts). */
  readonly buffers?: ReadBufferPool | undefined;
}

/** Per-request state. */
export interface Call {
  readonly services: CallServices;
  readonly req: RouteRequest;
  readonly res: Res;
  readonly method: string;
  /** Aborted when the client leaves (or the request is done). */
  readonly signal: AbortSignal;
  /** The item asked for, once known (logged, truncated). */
  itemId: string | undefined;
  readonly started: number;
  /** Body bytes written (file bytes and multipart framing). */
  bytes: number;
  /** File bytes written (no multipart framing). */
  fileBytes: number;
  /** Fields added to every answer (e.g. a sandboxing Content-Security-Policy). */
  extraHeaders: Readonly<Record<string, string>>;
  status?: number;
  /** Public ids for the log line (never the secrets themselves). */
  keyId?: string;
  linkId?: string;
  sessionId?: string;
}

/** Sends status and fields, and the text body unless the method is HEAD. */
export function sendHead(
  call: Call,
  status: number,
  headers: Readonly<Record<string, string>>,
  text?: string | Uint8Array,
): void {
  call.status = status;
  if (call.signal.aborted) return;
  call.res.writeHead(status, { ...call.extraHeaders, ...headers });
  call.res.end(call.method === "HEAD" ? undefined : text);
}

/** A short text answer; never echoes paths or error messages. */
export function sendText(call: Call, status: number, text: string, extra: Record<string, string> = {}): void {
  const headers = {
    ...extra,
    "Content-Type": "text/plain; charset=utf-8",
    "Content-Length": String(Buffer.byteLength(text)),
    "Cache-Control": "no-store",
    "X-Content-Type-Options": "nosniff",
  };
  sendHead(call, status, headers, text);
}

/** The one answer for anything unknown, unauthorised-by-link, escaping or malformed. */
export function sendNotFound(call: Call): void {
  sendText(call, 404, "not found\n");
}

/**
 * Runs `body` for one request: aborts its signal when the client goes away,
 * turns a failure into a 500 (or a cut-short response), and writes one log line.
 */
export function runCall(
  services: CallServices,
  req: RouteRequest,
  res: RouteResponse,
  itemId: string | undefined,
  body: (call: Call) => Promise<void>,
): void {
  const r = res as unknown as Res;
  const controller = new AbortController();
  r.once("close", () => {
    if (!r.writableFinished) controller.abort();
  });
  r.on("error", (err) => services.logger.debug({ err }, "file route: response error"));
  const call: Call = {
    services,
    req,
    res: r,
    method: req.method ?? "GET",
    signal: controller.signal,
    itemId,
    started: performance.now(),
    bytes: 0,
    fileBytes: 0,
    extraHeaders: {},
  };
  body(call)
    .catch((err: unknown) => {
      services.logger.error(
        { err, method: `HTTP ${call.method}`, item: call.itemId?.slice(0, 300) },
        "file route failed",
      );
      if (!r.headersSent) sendText(call, 500, "internal error\n");
      else abortResponse(r);
    })
    .finally(() => {
      const clientClosed = controller.signal.aborted;
      controller.abort();
      // One line per request, like the RPC call log; never the key, never an OS path.
      // Same field names as the RPC call log (server/logging), plus the HTTP status.
      services.logger.info(
        {
          method: `HTTP ${call.method}`,
          item: call.itemId?.slice(0, 300),
          bytes: call.bytes,
          durationMs: Math.round((performance.now() - call.started) * 10) / 10,
          status: call.status,
          clientClosed: clientClosed || undefined,
          keyId: call.keyId,
          linkId: call.linkId,
          sessionId: call.sessionId,
        },
        "http",
      );
    });
}
