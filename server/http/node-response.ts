/**
 * The part of a Node response the file route uses, common to HTTP/1.1
 * `ServerResponse` and the HTTP/2 compatibility `Http2ServerResponse`, and
 * the two things it needs to do with one: wait for drain, and abort.
 */
import type * as http2 from "node:http2";
import { constants as http2Constants } from "node:http2";

const { NGHTTP2_INTERNAL_ERROR } = http2Constants;

/** @internal The minimal response surface used by the route (members as in Node's `ServerResponse`). */
export interface NodeResponse {
  readonly headersSent: boolean;
  readonly writableFinished: boolean;
  writeHead(status: number, headers: Record<string, string>): unknown;
  write(chunk: string | Buffer, callback?: () => void): boolean;
  end(chunk?: string | Uint8Array): unknown;
  once(event: "drain" | "close", listener: () => void): unknown;
  removeListener(event: "drain", listener: () => void): unknown;
  on(event: "error", listener: (err: unknown) => void): unknown;
  destroy(error?: Error): unknown;
}

/**
 * Cuts a response short so the client sees an error, never a clean end:
 * HTTP/1.1 closes the connection (fewer bytes than Content-Length), HTTP/2
 * resets the stream with INTERNAL_ERROR (a NO_ERROR reset could look like an end).
 */
export function abortResponse(res: NodeResponse): void {
  const stream = (res as { stream?: http2.ServerHttp2Stream }).stream;
  if (stream !== undefined) stream.close(NGHTTP2_INTERNAL_ERROR);
  else res.destroy();
}

/** Resolves on the response's next `drain`, or at once when `signal` is (or becomes) aborted. */
export function drained(res: NodeResponse, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) {
      resolve();
      return;
    }
    const done = (): void => {
      signal.removeEventListener("abort", done);
      res.removeListener("drain", done);
      resolve();
    };
    res.once("drain", done);
    signal.addEventListener("abort", done, { once: true });
  });
}
