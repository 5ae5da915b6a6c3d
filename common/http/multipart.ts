/**
 * multipart/byteranges framing (RFC 9110 §14.6), computed up front so the
 * exact Content-Length is known before any byte of the file is read.
 * Layout (as Go's mime/multipart writes it):
 *
 *   --B CRLF Content-Type: T CRLF Content-Range: bytes a-b/N CRLF CRLF <bytes>
 *   CRLF --B CRLF ... <bytes> CRLF --B-- CRLF
 */
import { randomBytes } from "node:crypto";
import type { ByteRange } from "./range.js";

/** One part: its header block (ASCII) followed by bytes `first..last` of the file. */
export interface BodyPart {
  /** Bytes written before the range (multipart delimiter and part headers); "" for a single range. */
  readonly head: string;
  /** First byte offset of the file. */
  readonly first: number;
  /** Last byte offset of the file (inclusive). */
  readonly last: number;
}

/** A multipart body laid out: parts in order, the closing delimiter, and the exact total length. */
export interface MultipartLayout {
  /** `multipart/byteranges; boundary=…`. */
  readonly contentType: string;
  /** The parts, in the order given. */
  readonly parts: readonly BodyPart[];
  /** The closing delimiter, written after the last part. */
  readonly tail: string;
  /** Exact body length in bytes: the Content-Length. */
  readonly length: number;
}

/** A fresh boundary: 24 hex characters, no characters that need quoting (RFC 2046 §5.1.1). */
export function randomBoundary(): string {
  return "peer-" + randomBytes(12).toString("hex");
}

/** `bytes a-b/N` for a range of a file of `size` bytes. */
export function contentRange(range: ByteRange, size: number): string {
  return `bytes ${range.first}-${range.last}/${size}`;
}

/** Lays out the parts; `partType` is the file's Content-Type, repeated in each part. */
export function layoutMultipart(
  ranges: readonly ByteRange[],
  size: number,
  partType: string,
  boundary: string,
): MultipartLayout {
  let length = 0;
  const parts = ranges.map((range, i) => {
    const head =
      (i === 0 ? "" : "\r\n") +
      `--${boundary}\r\nContent-Type: ${partType}\r\nContent-Range: ${contentRange(range, size)}\r\n\r\n`;
    length += Buffer.byteLength(head, "latin1") + (range.last - range.first + 1);
    return { head, first: range.first, last: range.last };
  });
  const tail = `\r\n--${boundary}--\r\n`;
  length += Buffer.byteLength(tail, "latin1");
  return { contentType: `multipart/byteranges; boundary=${boundary}`, parts, tail, length };
}
