/**
 * An HTTP/2 session manager with larger flow-control windows. Node's default
 * stream and connection windows are 64 KiB, which capped a ~20 ms RTT link at
 * 1.6–2.6 MiB/s; a 4 MiB stream window plus a 16 MiB connection window
 * (`setLocalWindowSize`) gave 66–72 MiB/s (docs/connect-notes.md "Client", HTTP/2 flow control).
 */
import type * as http2 from "node:http2";
import { Http2SessionManager } from "@connectrpc/connect-node";

/** Stream window (SETTINGS_INITIAL_WINDOW_SIZE) in bytes. */
export const HTTP2_STREAM_WINDOW = 4 * 1024 * 1024;
/** Connection window in bytes. */
export const HTTP2_CONNECTION_WINDOW = 16 * 1024 * 1024;

/** Http2SessionManager that raises the stream window (settings) and the connection window (once per session). */
export class TunedHttp2SessionManager extends Http2SessionManager {
  readonly #tuned = new WeakSet<object>();

  constructor(baseUrl: string) {
    super(baseUrl, {}, { settings: { initialWindowSize: HTTP2_STREAM_WINDOW } });
  }

  override async request(...args: Parameters<Http2SessionManager["request"]>): Promise<http2.ClientHttp2Stream> {
    const stream = await super.request(...args);
    const session = stream.session;
    if (session !== undefined && !this.#tuned.has(session)) {
      this.#tuned.add(session);
      try {
        session.setLocalWindowSize(HTTP2_CONNECTION_WINDOW);
      } catch {
        // A session that is already closing cannot be tuned; the request fails on its own.
      }
    }
    return stream;
  }
}
