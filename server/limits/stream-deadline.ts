/**
 * HTTP/2's counterpart of HTTP/1.1's `requestTimeout` (docs/http.md "Limits"):
 * a stream whose request has not fully arrived (the client has not half-closed)
 * `requestTimeoutMs` after it opened is answered 408 and reset, so a client
 * trickling a body cannot hold a stream, its handler and its memory for ever.
 * The session and its other streams go on.
 */
import http2 from "node:http2";

const { NGHTTP2_CANCEL, NGHTTP2_NO_ERROR } = http2.constants;

const BODY = "request timeout: the request body did not arrive in time\n";

/** Starts the deadline of one server stream; cleared when the stream closes. */
export function armStreamDeadline(stream: http2.ServerHttp2Stream, requestTimeoutMs: number): void {
  // A request without a body (GET, HEAD) is complete with its headers.
  if (stream.endAfterHeaders) return;
  const timer = setTimeout(() => cutSlowStream(stream), requestTimeoutMs);
  timer.unref();
  stream.once("close", () => clearTimeout(timer));
}

function cutSlowStream(stream: http2.ServerHttp2Stream): void {
  if (stream.destroyed || stream.closed || stream.state.remoteClose === 1) return;
  if (stream.headersSent) {
    stream.close(NGHTTP2_CANCEL);
    return;
  }
  // RFC 9113 §8.1: a complete response, then RST_STREAM(NO_ERROR) asks the client to stop sending.
  stream.respond({
    ":status": 408,
    "content-type": "text/plain; charset=utf-8",
    "content-length": String(Buffer.byteLength(BODY)),
    "cache-control": "no-store",
    "x-content-type-options": "nosniff",
  });
  stream.end(BODY, () => {
    if (!stream.destroyed) stream.close(NGHTTP2_NO_ERROR);
  });
}
