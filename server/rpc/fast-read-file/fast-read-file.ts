/**
 * ReadFile fast path: a request listener in front of `connectNodeAdapter` that
 * serves binary, uncompressed ReadFile calls (Connect, gRPC, gRPC-Web) by
 * reading each chunk from disk straight into the buffer that goes to the
 * socket, behind its envelope and field header (frame.ts) — no protobuf object
 * and no copy per chunk. Same decisions as the stock handler (read-file.ts):
 * shutdown → auth (authenticate-request.ts) → prepare-read.ts (length → stat
 * → if_match → range → limiter) → open → chunks proven unchanged
 * (readChunks) → close on every path; same log line (call-log-line.ts).
 * Anything else (JSON, compression, GET, other methods) returns `false` and
 * goes to the adapter unchanged.
 */
import { create, fromBinary, toBinary } from "@bufbuild/protobuf";
import { Code, ConnectError } from "@connectrpc/connect";
import type { IncomingHttpHeaders } from "node:http";
import type { Logger } from "pino";
import {
  ItemSchema,
  ReadFileRequestSchema,
  ReadFileResponseSchema,
  type ReadFileRequest,
} from "../../../gen/peer/v1/peer_pb.js";
import { authenticateRequest } from "../../auth/authenticate-request.js";
import type { Authenticate, Principal } from "../../auth/principal.js";
import { extractApiKey } from "../../auth/token.js";
import type { Catalog } from "../../catalog/catalog.js";
import { openEntry, type OpenFile } from "../../../common/files/file-reader.js";
import { readBuffers, type ReadBufferPool } from "../../limits/read-buffer-pool.js";
import type { StreamLimiter } from "../../limits/stream-limiter.js";
import { createCallLog, type CallLogStats } from "../../logging/call-log-line.js";
import { fail, toConnectError } from "../../errors.js";
import { itemMessage } from "../item-message.js";
import { prepareRead } from "../prepare-read.js";
import { encodeEnvelope, parseSingleEnvelope } from "../../../common/wire/envelope.js";
import { itemField } from "../../../common/wire/read-file-encode.js";
import { streamChunks, type FastResponse } from "./stream-chunks.js";
import { encodeEnd, parseCallTimeout, protocolOf, responseHeaders, type Protocol } from "./wire.js";

/** What the fast path needs (the same parts the stock handler and its interceptors use). */
export interface FastReadFileDeps {
  /** Resolves item ids (and triggers the background hasher, as for the stock handler). */
  readonly catalog: Catalog;
  /** Shared with the stock handler and the HTTP route. */
  readonly limiter: StreamLimiter;
  /** The key store's authenticate. */
  readonly authenticate: Authenticate;
  /** Where the per-call line goes (same shape as call-log-interceptor.ts). */
  readonly logger: Logger;
  /** Largest request accepted, as the adapter's readMaxBytes. */
  readonly readMaxBytes: number;
  /** Aborted at shutdown: new calls get UNAVAILABLE, running streams end with its reason. */
  readonly shutdownSignal: AbortSignal;
  /** Where each stream's read buffers come from; default the process's pool (server/limits/read-buffer-pool.ts). */
  readonly buffers?: ReadBufferPool | undefined;
  /** Test seam: called after each chunk read from disk (before it is sent). */
  readonly onChunkRead?: ((itemId: string, offset: number, bytes: number) => void) | undefined;
}

/** The part of Node's HTTP/1.1 and HTTP/2-compat request the fast path reads. */
export interface FastRequest {
  readonly method?: string | undefined;
  readonly url?: string | undefined;
  readonly httpVersion?: string | undefined;
  readonly headers: IncomingHttpHeaders;
  on(event: "data", listener: (chunk: Buffer) => void): unknown;
  on(event: "end", listener: () => void): unknown;
  on(event: "error", listener: (err: Error) => void): unknown;
}

export type { FastResponse } from "./stream-chunks.js";

const PATH = "/peer.v1.PeerService/ReadFile";
const METHOD = "peer.v1.PeerService/ReadFile";

/** Creates the listener: returns `true` when it took the request, `false` to hand it to the adapter. */
export function createFastReadFile(deps: FastReadFileDeps): (req: FastRequest, res: FastResponse) => boolean {
  return (req, res) => {
    if (req.method !== "POST" || (req.url ?? "").split("?")[0] !== PATH) return false;
    const protocol = protocolOf(req.headers, req.httpVersion);
    if (protocol === undefined) return false;
    const declared = Number(req.headers["content-length"] ?? "0");
    if (declared > deps.readMaxBytes + 5) return false; // the adapter answers oversized requests itself
    const parts: Buffer[] = [];
    let size = 0;
    req.on("data", (c: Buffer) => {
      size += c.length;
      if (size <= deps.readMaxBytes + 5) parts.push(c);
    });
    req.on("error", () => undefined);
    req.on("end", () => {
      void serveCall(
        deps,
        protocol,
        req.headers,
        size <= deps.readMaxBytes + 5 ? Buffer.concat(parts) : undefined,
        res,
      ).catch((error: unknown) => {
        deps.logger.error({ err: error, method: METHOD }, "fast ReadFile failed");
      });
    });
    return true;
  };
}

/** One ReadFile call on the fast path, in the order of the stock handler: deadline, size, key, read, send. */
async function serveCall(
  deps: FastReadFileDeps,
  protocol: Protocol,
  headers: IncomingHttpHeaders,
  body: Buffer | undefined,
  res: FastResponse,
): Promise<void> {
  const stats: CallLogStats = { bytes: 0 };
  let principal: Principal | undefined;
  const log = createCallLog({ logger: deps.logger, method: METHOD, stats, keyId: () => principal?.keyId });
  const call = watchCall(res, deps.shutdownSignal);
  const answer = createAnswer(res, protocol, (error) => log(error ? error.code : "ok", error), call);
  let release: (() => void) | undefined;
  let file: OpenFile | undefined;
  try {
    if (deps.shutdownSignal.aborted)
      throw fail(Code.Unavailable, "the server is shutting down; retry on another peer or later");
    const timeout = parseCallTimeout(protocol, headers);
    if (timeout.error !== undefined) throw timeout.error;
    call.startDeadline(timeout.timeoutMs);
    if (body === undefined)
      throw new ConnectError(
        `message size is larger than configured readMaxBytes ${deps.readMaxBytes}`,
        Code.ResourceExhausted,
      );
    const req = decodeRequest(body, deps.readMaxBytes);
    principal = await authorize(deps, headers);
    call.signal.throwIfAborted();
    stats.itemId = req.itemId;
    const read = await prepareRead(deps, req, principal.keyId, call.signal);
    release = read.release;
    file = await openEntry(read.entry);
    call.signal.throwIfAborted();
    answer.sendHead();
    await sendRead(deps, res, file, read, call.signal, stats);
    call.signal.throwIfAborted();
    answer.finish(undefined);
  } catch (error) {
    // After an abort, the signal's reason is the answer (deadline, shutdown, client gone).
    answer.finish(toConnectError(call.signal.aborted ? call.signal.reason : error));
  } finally {
    call.dispose();
    release?.();
    await file?.close();
  }
}

/** A call's signal, as connect-node's ctx.signal: the client gone, the deadline, the server shutting down. */
interface WatchedCall {
  readonly signal: AbortSignal;
  /** Whether the client closed the response. */
  clientGone(): boolean;
  /** Aborts the call after `timeoutMs` (none when undefined). */
  startDeadline(timeoutMs: number | undefined): void;
  /** Removes the listeners and the timer. */
  dispose(): void;
}

function watchCall(res: FastResponse, shutdownSignal: AbortSignal): WatchedCall {
  const call = new AbortController();
  let gone = false;
  let timer: NodeJS.Timeout | undefined;
  const onClose = (): void => {
    gone = true;
    call.abort(fail(Code.Canceled, "the client went away"));
  };
  const onShutdown = (): void => call.abort(shutdownSignal.reason);
  res.once("close", onClose);
  shutdownSignal.addEventListener("abort", onShutdown, { once: true });
  return {
    signal: call.signal,
    clientGone: () => gone,
    startDeadline(timeoutMs) {
      if (timeoutMs === undefined) return;
      timer = setTimeout(
        () => call.abort(new ConnectError("the operation timed out", Code.DeadlineExceeded)),
        timeoutMs,
      );
    },
    dispose() {
      if (timer !== undefined) clearTimeout(timer);
      res.removeListener("close", onClose);
      shutdownSignal.removeEventListener("abort", onShutdown);
    },
  };
}

/** The response's head (once) and its end: the end-of-stream message or trailers, logged once. */
function createAnswer(
  res: FastResponse,
  protocol: Protocol,
  log: (error: ConnectError | undefined) => void,
  call: Pick<WatchedCall, "clientGone">,
) {
  let headSent = false;
  const sendHead = (): void => {
    if (headSent) return;
    headSent = true;
    res.writeHead(200, responseHeaders(protocol));
  };
  const finish = (error: ConnectError | undefined): void => {
    log(error);
    if (call.clientGone() || res.destroyed || res.writableEnded) return;
    sendHead();
    const end = encodeEnd(protocol, error);
    if (end.body !== undefined) res.write(end.body);
    if (end.trailers !== undefined) res.addTrailers(end.trailers);
    res.end();
  };
  return { sendHead, finish };
}

/** The caller's principal from its key (Authorization: Bearer or x-api-key), or the auth error. */
async function authorize(deps: FastReadFileDeps, headers: IncomingHttpHeaders): Promise<Principal> {
  const presented = extractApiKey(header(headers.authorization), header(headers["x-api-key"]));
  const auth = await authenticateRequest(deps.authenticate, presented);
  if (!auth.ok) throw auth.error;
  return auth.principal;
}

/** The messages of a prepared read: the item alone for an empty range, else the chunks then the item. */
async function sendRead(
  deps: FastReadFileDeps,
  res: FastResponse,
  file: OpenFile,
  read: Awaited<ReturnType<typeof prepareRead>>,
  signal: AbortSignal,
  stats: CallLogStats,
): Promise<void> {
  const { entry } = read;
  const item = itemMessage(entry);
  if (read.start === read.end) {
    const message = create(ReadFileResponseSchema, { offset: BigInt(read.start), item });
    res.write(encodeEnvelope(0, toBinary(ReadFileResponseSchema, message)));
    return;
  }
  await streamChunks(res, file, signal, {
    start: read.start,
    end: read.end,
    chunkSize: read.chunkSize,
    tail: itemField(toBinary(ItemSchema, item)),
    onChunk: (offset, bytes) => {
      deps.onChunkRead?.(entry.id, offset, bytes);
    },
    onSent: (bytes) => {
      stats.bytes += bytes;
    },
    buffers: deps.buffers ?? readBuffers,
  });
}

function header(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

function decodeRequest(body: Buffer, readMaxBytes: number): ReadFileRequest {
  const payload = parseSingleEnvelope(body);
  if (payload === undefined)
    throw new ConnectError(
      "protocol error: the request must be exactly one uncompressed message",
      Code.InvalidArgument,
    );
  if (payload.length > readMaxBytes) {
    throw new ConnectError(
      `message size ${payload.length} is larger than configured readMaxBytes ${readMaxBytes}`,
      Code.ResourceExhausted,
    );
  }
  try {
    return fromBinary(ReadFileRequestSchema, payload);
  } catch (cause) {
    throw new ConnectError(
      "failed to deserialize the request message",
      Code.InvalidArgument,
      undefined,
      undefined,
      cause,
    );
  }
}
