/**
 * One ReadFile call on the fast read path: the request is encoded with
 * protobuf-es and the headers with connect-es's own helpers (as the stock
 * client sends them), then the response is read with node:http (Connect over
 * HTTP/1.1) or an HTTP/2 stream of the client's session manager (Connect over
 * HTTP/2, gRPC) and decoded by response-decoder.ts without joining buffers.
 * A `transient` call over plain http: HTTP/1.1 reads through raw-http/ instead (two read
 * areas filled in turn, no copy by Node's HTTP parser, and none by the envelope splitter: a
 * message cut by reads stays whole in place) and transient-pump.ts. Every path refuses a
 * message larger than the request's `chunk_size` allows (limits.ts maxReadFileMessageBytes),
 * which is also what the raw reader's areas are sized from. A large `transient` call over plain
 * http: HTTP/2 reads through raw-h2/ the same way (raw-h2-choice.ts says which).
 */
import http from "node:http";
import https from "node:https";
import type { ClientHttp2Stream, IncomingHttpHeaders, IncomingHttpStatusHeader } from "node:http2";
import { create, toBinary } from "@bufbuild/protobuf";
import { Code, ConnectError } from "@connectrpc/connect";
import { requestHeader as connectRequestHeader } from "@connectrpc/connect/protocol-connect";
import { requestHeader as grpcRequestHeader } from "@connectrpc/connect/protocol-grpc";
import type { Http2SessionManager } from "@connectrpc/connect-node";
import { PeerService, ReadFileRequestSchema } from "../../../gen/peer/v1/peer_pb.js";
import { rawRequest, type RawResponse } from "../raw-http/raw-request.js";
import { layoutHoldBytes, rawH2Request, type RawH2Response } from "../raw-h2/h2-request.js";
import { H2_PUMP_HIGH_WATER_BYTES, pumpMessages } from "./message-pump.js";
import { connectErrorFromH2ResetCode, connectErrorFromNode } from "./node-errors.js";
import type { ReadFileFields } from "../../../common/wire/read-file-decode.js";
import { ENVELOPE_PREFIX_BYTES } from "../../../common/wire/envelope.js";
import { maxReadFileMessageBytes } from "../../../common/wire/limits.js";
import { createResponseDecoder, type FastReadProtocol } from "./response-decoder.js";
import { pumpTransient } from "./transient-pump.js";
import { useRawHttp2 } from "./raw-h2-choice.js";

/** How the fast path reaches a peer (made by createPeerClient for its own transports). */
export interface FastReadWire {
  /** Connect or gRPC (both binary, uncompressed). */
  readonly protocol: FastReadProtocol;
  /** The peer's base URL, as normalized by the client. */
  readonly baseUrl: string;
  /** The `authorization` header value (never logged). */
  readonly authorization: string;
  /** The client's HTTP/2 sessions; undefined = Connect over HTTP/1.1. */
  readonly http2?: Http2SessionManager | undefined;
  /**
   * A `transient` call over plain-http HTTP/2 of at least 16 MiB (raw-h2-choice.ts) reads through
   * raw-h2/ (a connection of its own, reused read areas) instead of `http2`'s sessions. @default false
   */
  readonly rawHttp2?: boolean | undefined;
}

/** A ReadFile request. */
export interface FastReadRequest {
  readonly itemId: string;
  readonly offset: number;
  /** Bytes to read from `offset`; 0 or undefined = to the end. @default 0 */
  readonly length?: number | undefined;
  readonly ifMatch: string | undefined;
  readonly chunkSize: number;
  /**
   * The caller copies each message's data before asking for the next message: Connect over
   * plain-http HTTP/1.1 may then read through one reused buffer (raw-http/). @default false
   */
  readonly transient?: boolean | undefined;
  readonly signal: AbortSignal;
}

const METHOD_PATH = `/${PeerService.typeName}/${PeerService.method.readFile.name}`;

function envelope(payload: Uint8Array): Buffer {
  const out = Buffer.allocUnsafe(5 + payload.length);
  out[0] = 0;
  out.writeUInt32BE(payload.length, 1);
  out.set(payload, 5);
  return out;
}

function requestBody(request: FastReadRequest): Buffer {
  const message = create(ReadFileRequestSchema, {
    itemId: request.itemId,
    offset: BigInt(request.offset),
    length: BigInt(request.length ?? 0),
    ifMatch: request.ifMatch ?? "",
    chunkSize: request.chunkSize,
  });
  return envelope(toBinary(ReadFileRequestSchema, message));
}

/**
 * The largest message accepted on this call: what a compliant server sends for the request's
 * `chunk_size` (common/wire/limits.ts), so a larger one is refused as a protocol violation
 * (MessageTooLargeError) on every fast path, and the raw reader's areas can be sized from it.
 */
function readMaxBytes(request: FastReadRequest): number {
  return maxReadFileMessageBytes(request.chunkSize);
}

/**
 * The request headers of a ReadFile call: the same for every call over one wire (one client: its
 * protocol and key), so built once per wire (connect-es builds a WHATWG `Headers` each time:
 * ≈ 0.1 ms per file of a folder). A copy each call: callers add to it.
 */
function requestHeaders(wire: FastReadWire): Record<string, string> {
  let headers = requestHeadersOf.get(wire);
  if (headers === undefined) {
    const user = { authorization: wire.authorization };
    const built =
      wire.protocol === "connect"
        ? connectRequestHeader("server_streaming", true, undefined, user, true)
        : grpcRequestHeader(true, undefined, user);
    const out: Record<string, string> = {};
    built.forEach((value, name) => {
      out[name] = value;
    });
    headers = out;
    requestHeadersOf.set(wire, headers);
  }
  return { ...headers };
}

/** Built headers per wire, gone with their client (no key kept in a process-wide table). */
const requestHeadersOf = new WeakMap<FastReadWire, Readonly<Record<string, string>>>();

function webHeaders(
  headers: IncomingHttpHeaders | http.IncomingHttpHeaders | Readonly<Record<string, string>>,
): Headers {
  const out = new Headers();
  for (const [key, value] of Object.entries(headers)) {
    if (key.startsWith(":") || value === undefined) continue;
    if (Array.isArray(value)) for (const v of value) out.append(key, v);
    else out.append(key, String(value));
  }
  return out;
}

/** Opens a ReadFile call; resolves once the response head is in and valid, with the messages to come. */
export function fastReadFile(wire: FastReadWire, request: FastReadRequest): Promise<AsyncIterator<ReadFileFields>> {
  if (request.signal.aborted) return Promise.reject(ConnectError.from(request.signal.reason, Code.Canceled));
  if (wire.http2 !== undefined) {
    const raw = useRawHttp2({
      enabled: wire.rawHttp2 === true,
      transient: request.transient === true,
      protocol: new URL(wire.baseUrl).protocol,
      length: request.length ?? 0,
    });
    return raw ? readOverRawHttp2(wire, request) : readOverHttp2(wire, wire.http2, request);
  }
  const raw = request.transient === true && new URL(wire.baseUrl).protocol === "http:";
  return raw ? readOverRawHttp1(wire, request) : readOverHttp1(wire, request);
}

async function readOverRawHttp1(wire: FastReadWire, request: FastReadRequest): Promise<AsyncIterator<ReadFileFields>> {
  const headers = requestHeaders(wire);
  let res: RawResponse;
  try {
    res = await rawRequest({
      method: "POST",
      url: new URL(wire.baseUrl + METHOD_PATH),
      headers,
      body: requestBody(request),
      signal: request.signal,
      // The largest envelope the decoder accepts (this request's, not the protocol's largest) stays
      // valid in the read areas until it is whole: two areas of ~1.1 MiB for a 1 MiB chunk, not ~2.2 MiB.
      holdBytes: ENVELOPE_PREFIX_BYTES + readMaxBytes(request),
    });
  } catch (error) {
    if (request.signal.aborted) throw ConnectError.from(request.signal.reason, Code.Canceled);
    throw connectErrorFromNode(error);
  }
  try {
    // Not transient: the read areas keep a message's bytes until it is whole (holdBytes above), as
    // the decoder refuses any larger message from its prefix.
    const decoder = createResponseDecoder(wire.protocol, res.status, webHeaders(res.headers), readMaxBytes(request));
    return pumpTransient(res.body, decoder, { signal: request.signal, destroy: () => res.destroy() });
  } catch (error) {
    res.destroy();
    throw error;
  }
}

async function readOverRawHttp2(wire: FastReadWire, request: FastReadRequest): Promise<AsyncIterator<ReadFileFields>> {
  const headers: Record<string, string> = {};
  for (const [key, value] of Object.entries(requestHeaders(wire)))
    if (value !== undefined) headers[key] = String(value);
  const base = new URL(wire.baseUrl);
  let res: RawH2Response;
  try {
    res = await rawH2Request({
      url: new URL(base.pathname.replace(/\/$/, "") + METHOD_PATH, base),
      headers,
      body: requestBody(request),
      signal: request.signal,
      // A message stays whole in the read areas whatever frames carry it (h2-exchange.ts).
      holdBytes: layoutHoldBytes(ENVELOPE_PREFIX_BYTES + readMaxBytes(request)),
    });
  } catch (error) {
    if (request.signal.aborted) throw ConnectError.from(request.signal.reason, Code.Canceled);
    throw connectErrorFromNode(error);
  }
  try {
    const decoder = createResponseDecoder(wire.protocol, res.status, res.headers, readMaxBytes(request));
    return pumpTransient(res.body, decoder, {
      signal: request.signal,
      destroy: () => res.destroy(),
      trailers: () => res.trailers(),
    });
  } catch (error) {
    res.destroy();
    throw error;
  }
}

function readOverHttp1(wire: FastReadWire, request: FastReadRequest): Promise<AsyncIterator<ReadFileFields>> {
  const url = new URL(wire.baseUrl + METHOD_PATH);
  const body = requestBody(request);
  return new Promise((resolve, reject) => {
    const mod = url.protocol === "https:" ? https : http;
    const headers = { ...requestHeaders(wire), "content-length": String(body.length) };
    const req = mod.request(url, { method: "POST", headers });
    const onAbort = (): void => {
      req.destroy();
      reject(ConnectError.from(request.signal.reason, Code.Canceled));
    };
    request.signal.addEventListener("abort", onAbort, { once: true });
    req.once("error", (error) => {
      request.signal.removeEventListener("abort", onAbort);
      reject(connectErrorFromNode(error));
    });
    req.once("response", (res) => {
      request.signal.removeEventListener("abort", onAbort);
      try {
        const decoder = createResponseDecoder(
          wire.protocol,
          res.statusCode ?? 0,
          webHeaders(res.headers),
          readMaxBytes(request),
        );
        resolve(
          pumpMessages(res, decoder, {
            trailers: () => webHeaders(res.trailers),
            mapError: connectErrorFromNode,
            closeError: () => undefined,
            signal: request.signal,
            destroy: () => req.destroy(),
          }),
        );
      } catch (error) {
        req.destroy();
        reject(error);
      }
    });
    req.end(body);
  });
}

async function readOverHttp2(
  wire: FastReadWire,
  sessions: Http2SessionManager,
  request: FastReadRequest,
): Promise<AsyncIterator<ReadFileFields>> {
  const base = new URL(wire.baseUrl);
  const body = requestBody(request);
  let stream: ClientHttp2Stream;
  try {
    stream = await sessions.request("POST", base.pathname.replace(/\/$/, "") + METHOD_PATH, requestHeaders(wire), {});
  } catch (error) {
    throw connectErrorFromNode(error);
  }
  const cancel = (): void => {
    // Close with CANCEL (0x8), as the stock client does for a cancelled call (gRPC's HTTP/2 error mapping).
    if (!stream.closed) stream.close(8);
  };
  let trailers = new Headers();
  stream.on("trailers", (t: IncomingHttpHeaders) => {
    trailers = webHeaders(t);
  });
  return new Promise((resolve, reject) => {
    const onAbort = (): void => {
      cancel();
      reject(ConnectError.from(request.signal.reason, Code.Canceled));
    };
    const onError = (error: unknown): void => {
      request.signal.removeEventListener("abort", onAbort);
      reject(connectErrorFromNode(error));
    };
    const onClose = (): void => {
      request.signal.removeEventListener("abort", onAbort);
      reject(
        connectErrorFromH2ResetCode(stream.rstCode) ??
          new ConnectError("the peer closed the stream before answering", Code.Unavailable),
      );
    };
    request.signal.addEventListener("abort", onAbort, { once: true });
    stream.once("error", onError);
    stream.once("close", onClose);
    stream.once("response", (headers: IncomingHttpHeaders & IncomingHttpStatusHeader) => {
      request.signal.removeEventListener("abort", onAbort);
      stream.off("error", onError);
      stream.off("close", onClose);
      try {
        const decoder = createResponseDecoder(
          wire.protocol,
          Number(headers[":status"] ?? 0),
          webHeaders(headers),
          readMaxBytes(request),
        );
        resolve(
          pumpMessages(stream, decoder, {
            trailers: () => trailers,
            mapError: connectErrorFromNode,
            closeError: () => connectErrorFromH2ResetCode(stream.rstCode),
            finishOnClose: true,
            highWaterBytes: H2_PUMP_HIGH_WATER_BYTES,
            onData: () => sessions.notifyResponseByteRead(stream),
            signal: request.signal,
            destroy: cancel,
          }),
        );
      } catch (error) {
        cancel();
        reject(error);
      }
    });
    stream.end(body);
  });
}
