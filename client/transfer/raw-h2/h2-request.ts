/**
 * One HTTP/2 request over a cleartext connection of its own (h2c with prior knowledge, RFC 9113
 * §3.3), read into reused memory the way raw-http/ reads HTTP/1.1: socket reads land in two
 * read areas filled in turn (raw-http/raw-connection.ts, `net.Socket`'s `onread`), frames are
 * parsed in place (h2-frame-reader.ts), and the DATA payloads are handed on as views of the
 * areas (h2-exchange.ts): no buffer allocated per socket read, no object per frame besides the
 * view (docs/performance.md "A raw HTTP/2 reader").
 */
import { RawConnection } from "../raw-http/raw-connection.js";
import {
  CLIENT_PREFACE,
  DEFAULT_MAX_FRAME_SIZE,
  DEFAULT_WINDOW,
  MAX_HEADER_LIST_BYTES,
  RECEIVE_WINDOW,
  Setting,
  dataFrames,
  headerFrames,
  settingsFrame,
  windowUpdateFrame,
} from "./h2-frames.js";
import { STREAM } from "./h2-frame-reader.js";
import { abortError, H2Exchange, type H2Connection, type RawH2Request, type RawH2Response } from "./h2-exchange.js";
import { encodeLiteralFields } from "./hpack-decoder.js";

export { layoutHoldBytes } from "./h2-frame-reader.js";
export type { RawH2Request, RawH2Response } from "./h2-exchange.js";

/** Sends the request on a new connection; resolves once the final response head is in. */
export function rawH2Request(r: RawH2Request): Promise<RawH2Response> {
  if (r.url.protocol !== "http:")
    return Promise.reject(new TypeError(`rawH2Request takes http: URLs, not ${r.url.protocol}`));
  if (r.signal.aborted) return Promise.reject(abortError(r.signal));
  if (r.body.length > DEFAULT_WINDOW) return Promise.reject(new RangeError("a request body above 65,535 bytes"));
  const fields: [string, string][] = [
    [":method", "POST"],
    [":scheme", "http"],
    [":authority", r.url.host],
    [":path", `${r.url.pathname}${r.url.search}`],
  ];
  for (const [name, value] of Object.entries(r.headers)) fields.push([name, value]);
  const block = encodeLiteralFields(fields); // throws on a field that could not be sent
  const host = r.url.hostname.replace(/^\[|\]$/g, "");
  const raw = new RawConnection(host, Number(r.url.port || 80), r.holdBytes);
  const conn: H2Connection = {
    attach: (reader) => raw.attach(reader),
    detach: () => raw.detach(),
    write: (bytes) => raw.write(bytes),
    resume: () => raw.resume(),
    get pendingWriteBytes() {
      return raw.socket.writableLength;
    },
    closeSoon: () => raw.socket.destroySoon(),
  };
  const exchange = new H2Exchange(r, conn);
  // Everything goes before the server's SETTINGS: frames of the default 16 KiB, which every
  // server accepts whatever it announces (§4.2), within the default 65,535-byte window.
  conn.write(
    Buffer.concat([
      CLIENT_PREFACE,
      settingsFrame([
        [Setting.ENABLE_PUSH, 0],
        [Setting.INITIAL_WINDOW_SIZE, RECEIVE_WINDOW],
        [Setting.MAX_HEADER_LIST_SIZE, MAX_HEADER_LIST_BYTES],
      ]),
      windowUpdateFrame(0, RECEIVE_WINDOW - DEFAULT_WINDOW),
      ...headerFrames(STREAM, block, false, DEFAULT_MAX_FRAME_SIZE),
      ...dataFrames(STREAM, r.body, DEFAULT_MAX_FRAME_SIZE),
    ]),
  );
  return exchange.head;
}
