/**
 * Serves one download over HTTP while it runs (`peer get --stream`, docs/downloads.md
 * "Reading a download while it runs"): GET and HEAD of `/` or `/<file name>`, planned by
 * the same pure route core as `/v1/files/` (common/http/response-plan.ts: 200/206/416,
 * multipart, If-Range, conditional requests), with the full size as Content-Length and
 * the pieces root as the strong ETag. Bodies come from tap-body.ts: only verified bytes,
 * each piece waited for (and fetched first); a piece that does not come in time cuts the
 * response (before the head: 503 with Retry-After).
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import { contentTypeFor } from "../../common/http/content-type.js";
import { randomBoundary } from "../../common/http/multipart.js";
import { planResponse, type FileFacts, type ResponsePlan } from "../../common/http/response-plan.js";
import { listenHttp, requestPath, sendText as text } from "./http-listen.js";
import type { StreamTap, TapState } from "./stream-tap.js";
import { DEFAULT_WAIT_MS, readVerified, StreamStalled, type TapBodyOptions } from "./tap-body.js";

/** Options of {@link startStreamServer}. */
export interface StreamServerOptions {
  /** Host to listen on. @default "127.0.0.1" */
  readonly host?: string;
  /** Port (0: a free one). @default 0 */
  readonly port?: number;
  /** Longest wait for one piece, in ms. @default DEFAULT_WAIT_MS (30 s) */
  readonly waitMs?: number;
  /** Read-ahead window of each read, in bytes. @default DEFAULT_READ_AHEAD (16 MiB) */
  readonly readAhead?: number;
  /** Last-Modified of the stream (the job's creation). @default the server's start */
  readonly modified?: number;
}

/** A running stream server. */
export interface StreamServer {
  /** The URL a player opens (`http://host:port/<file name>`). */
  readonly url: string;
  /** Stops listening and ends open responses. */
  close(): Promise<void>;
}

/** Starts serving `tap`'s download. */
export async function startStreamServer(tap: StreamTap, o: StreamServerOptions = {}): Promise<StreamServer> {
  const modified = Math.floor((o.modified ?? Date.now()) / 1000) * 1000;
  const served = await listenHttp(
    (req, res) => handle(tap, req, res, { ...o, modified }),
    o.host ?? "127.0.0.1",
    o.port ?? 0,
  );
  return { url: `${served.origin}/${encodeURIComponent(tap.file.fileName)}`, close: served.close };
}

type Resolved = StreamServerOptions & { readonly modified: number };

async function handle(tap: StreamTap, req: IncomingMessage, res: ServerResponse, o: Resolved): Promise<void> {
  const path = requestPath(req);
  if (path !== "/" && path !== `/${encodeURIComponent(tap.file.fileName)}`) return text(res, 404, "not found\n");
  return serveStream(tap, req, res, o);
}

/**
 * Answers one GET or HEAD for `tap`'s download (the caller routed and authorised it): the
 * piece a route such as the download service's `/v1/downloads/<id>/content` reuses.
 * Options as {@link startStreamServer}'s; `modified` is the job's creation (Last-Modified).
 */
export async function serveStream(
  tap: StreamTap,
  req: IncomingMessage,
  res: ServerResponse,
  o: StreamServerOptions & { readonly modified: number },
): Promise<void> {
  const ctl = new AbortController();
  res.on("close", () => ctl.abort());
  if (req.method !== "GET" && req.method !== "HEAD")
    return text(res, 405, "only GET and HEAD\n", { Allow: "GET, HEAD" });
  const state = await settledState(tap, o.waitMs ?? DEFAULT_WAIT_MS, ctl.signal);
  if (state.kind === "stopped") return text(res, 503, `${state.reason}\n`, { "Retry-After": "5" });
  if (state.kind === "waiting")
    return text(res, 503, "the download has not started, or its peer has no pieces root yet; retry later\n", {
      "Retry-After": "2",
    });
  const plan = planResponse({
    method: req.method,
    headers: req.headers,
    boundary: randomBoundary(),
    file: facts(tap, state, o.modified),
  });
  if (req.method === "HEAD" || plan.body.kind !== "file") {
    res.writeHead(plan.status, plan.headers);
    res.end(plan.body.kind === "text" && req.method !== "HEAD" ? plan.body.text : undefined);
    return;
  }
  await sendBody(tap, res, plan, { waitMs: o.waitMs, readAhead: o.readAhead, signal: ctl.signal });
}

/** Waits (up to `ms`) until the download can be read or has stopped. */
async function settledState(tap: StreamTap, ms: number, signal: AbortSignal): Promise<TapState> {
  const deadline = Date.now() + ms;
  while (tap.current.kind === "waiting" && Date.now() < deadline && !signal.aborted)
    await tap.next(deadline - Date.now(), signal);
  return tap.current;
}

/** The file as the response plan sees it: validators from the pieces root. */
function facts(tap: StreamTap, state: Exclude<TapState, { kind: "waiting" | "stopped" }>, modified: number): FileFacts {
  const root = state.kind === "pieces" ? state.layout.rootHex : state.piecesRoot;
  const pieceLength = state.kind === "pieces" ? state.layout.pieceLength : undefined;
  const name = tap.file.fileName;
  return {
    size: tap.file.size,
    etag: `"${root ?? `job-${tap.file.id}`}"`,
    modified,
    contentType: contentTypeFor(name),
    name,
    piecesRoot: root !== null && root !== "" && pieceLength !== undefined ? root : undefined,
    pieceLength,
  };
}

/** The head once the first byte is ready (else 503), then every part's verified bytes with backpressure. */
async function sendBody(tap: StreamTap, res: ServerResponse, plan: ResponsePlan, o: TapBodyOptions): Promise<void> {
  if (plan.body.kind !== "file") return;
  const parts = plan.body.parts;
  const bodies = parts.map((p) => readVerified(tap, p.first, p.last, o));
  try {
    let started = false;
    for (const [k, part] of parts.entries()) {
      const body = bodies[k] as AsyncGenerator<Buffer>;
      for (;;) {
        let r: IteratorResult<Buffer>;
        try {
          r = await body.next();
        } catch (err) {
          if (!(err instanceof StreamStalled)) throw err;
          // Nothing sent yet: a clean 503. Mid-body: cut the response (it can never be padded).
          if (!started) text(res, 503, `${err.message}; retry\n`, { "Retry-After": "1" });
          else res.destroy();
          return;
        }
        if (o.signal.aborted) return;
        if (!started) {
          started = true;
          res.writeHead(plan.status, plan.headers);
          if (part.head !== "") res.write(part.head);
        }
        if (r.done === true) break;
        if (!res.write(r.value)) await drained(res, o.signal);
      }
      const next = parts[k + 1];
      if (next !== undefined && next.head !== "") res.write(next.head);
    }
    if (plan.body.tail !== "") res.write(plan.body.tail);
    res.end();
  } finally {
    await Promise.all(bodies.map((b) => b.return(undefined)));
  }
}

function drained(res: ServerResponse, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      res.off("drain", done);
      signal.removeEventListener("abort", done);
      resolve();
    };
    res.on("drain", done);
    signal.addEventListener("abort", done, { once: true });
  });
}
