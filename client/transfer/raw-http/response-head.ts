/**
 * Parses the head of an HTTP/1.1 response (RFC 9112 §4–5): the status line and the header
 * fields, from the bytes received so far. Pure. Names are lower-cased; a field sent more than
 * once is joined with ", " (RFC 9110 §5.3), except Content-Length, whose copies must agree.
 */
import { DownloadError } from "../../errors.js";

/** A head larger than this is refused: ours are < 1 KiB, nginx's < 1 KiB. */
export const MAX_HEAD_BYTES = 64 * 1024;
/** At most this many header fields. */
export const MAX_HEADER_FIELDS = 100;

/** A parsed head. */
export interface ResponseHead {
  /** The status line's version: only an HTTP/1.1 response can keep its connection (raw-http/reuse-decision.ts). */
  readonly version: "1.0" | "1.1";
  readonly status: number;
  /** Lower-cased names. */
  readonly headers: Readonly<Record<string, string>>;
  /** Bytes of the head, the blank line included: the body starts there. */
  readonly length: number;
}

const CRLFCRLF = [13, 10, 13, 10];
const STATUS_LINE = /^HTTP\/1\.([01]) ([1-9]\d\d)(?: [^\r\n]*)?$/;
const FIELD_NAME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;

function protocolError(message: string): DownloadError {
  return new DownloadError("protocol", `the peer's HTTP response is malformed: ${message}`);
}

/** Index of the first CRLFCRLF at or after `from`, or -1. */
function headEnd(bytes: Uint8Array, from: number): number {
  outer: for (let i = Math.max(0, from); i + 4 <= bytes.length; i++) {
    for (let k = 0; k < 4; k++) if (bytes[i + k] !== CRLFCRLF[k]) continue outer;
    return i;
  }
  return -1;
}

/**
 * The head at the start of `bytes`, or undefined when more bytes are needed.
 * Throws a "protocol" DownloadError for a malformed or oversized head.
 */
export function parseResponseHead(bytes: Uint8Array): ResponseHead | undefined {
  const end = headEnd(bytes, 0);
  if (end < 0) {
    if (bytes.length > MAX_HEAD_BYTES) throw protocolError(`its head is over ${MAX_HEAD_BYTES} bytes`);
    return undefined;
  }
  if (end + 4 > MAX_HEAD_BYTES) throw protocolError(`its head is over ${MAX_HEAD_BYTES} bytes`);
  const lines = Buffer.from(bytes.buffer, bytes.byteOffset, end).toString("latin1").split("\r\n");
  const statusLine = STATUS_LINE.exec(lines[0] ?? "");
  if (statusLine === null) throw protocolError(`bad status line ${JSON.stringify((lines[0] ?? "").slice(0, 80))}`);
  if (lines.length - 1 > MAX_HEADER_FIELDS) throw protocolError(`more than ${MAX_HEADER_FIELDS} header fields`);
  const headers: Record<string, string> = {};
  for (const line of lines.slice(1)) {
    const colon = line.indexOf(":");
    const name = colon > 0 ? line.slice(0, colon) : "";
    // No obs-fold (RFC 9112 §5.2), no space before the colon (§5.1), no control characters.
    if (!FIELD_NAME.test(name)) throw protocolError(`bad header line ${JSON.stringify(line.slice(0, 80))}`);
    const value = line.slice(colon + 1).replace(/^[ \t]+|[ \t]+$/g, "");
    if (/[\0\r\n]/.test(value)) throw protocolError(`a control character in ${name}`);
    const key = name.toLowerCase();
    const prior = headers[key];
    if (prior === undefined) headers[key] = value;
    else if (key === "content-length") {
      if (prior !== value) throw protocolError("two different Content-Length values");
    } else headers[key] = `${prior}, ${value}`;
  }
  const version = statusLine[1] === "1" ? "1.1" : "1.0";
  return { version, status: Number(statusLine[2]), headers, length: end + 4 };
}
