/**
 * How an HTTP/1.1 response body ends (RFC 9112 §6.3), and a body decoder that returns the
 * body's bytes as views of the bytes it is given (no copy) and says when the body is over.
 * Pure.
 */
import { DownloadError } from "../../errors.js";

/** How the body of a response is delimited. */
export type BodyFraming =
  | { readonly kind: "none" }
  | { readonly kind: "length"; readonly length: number }
  | { readonly kind: "chunked" }
  /** Until the server closes the connection. */
  | { readonly kind: "close" };

function protocolError(message: string): DownloadError {
  return new DownloadError("protocol", `the peer's HTTP response is malformed: ${message}`);
}

/** The framing of a response to a GET or POST (RFC 9112 §6.3, in its order). */
export function bodyFraming(status: number, headers: Readonly<Record<string, string>>): BodyFraming {
  if ((status >= 100 && status < 200) || status === 204 || status === 304) return { kind: "none" };
  const te = headers["transfer-encoding"];
  if (te !== undefined) {
    const codings = te.split(",").map((c) => c.trim().toLowerCase());
    return codings[codings.length - 1] === "chunked" ? { kind: "chunked" } : { kind: "close" };
  }
  const cl = headers["content-length"];
  if (cl === undefined) return { kind: "close" };
  if (!/^\d{1,16}$/.test(cl)) throw protocolError(`bad Content-Length ${JSON.stringify(cl.slice(0, 40))}`);
  const length = Number(cl);
  return length === 0 ? { kind: "none" } : { kind: "length", length };
}

/** What one call of {@link BodyDecoder.push} found. */
export interface Decoded {
  /** Body bytes, as views of the input. */
  readonly data: Uint8Array[];
  /** True once the body is complete. */
  readonly done: boolean;
  /**
   * Bytes of the input after the body's end (0 until `done`): nothing may follow a response we
   * did not ask for, so a connection that received any is not reused (reuse-decision.ts).
   */
  readonly extra: number;
}

/** Turns received bytes into body bytes. */
export interface BodyDecoder {
  /** Takes the next received bytes. Throws a "protocol" DownloadError on bad chunked framing. */
  push(bytes: Uint8Array): Decoded;
  /** Called when the connection ended cleanly: true when the body was complete. */
  endOfInput(): boolean;
  /** Body bytes seen so far. */
  readonly received: number;
}

/** Longest chunk-size line accepted (size, extensions): 4 KiB. */
const MAX_CHUNK_LINE = 4096;

/** A decoder for the framing. */
export function createBodyDecoder(framing: BodyFraming): BodyDecoder {
  switch (framing.kind) {
    case "none":
      return { push: (bytes) => ({ data: [], done: true, extra: bytes.length }), endOfInput: () => true, received: 0 };
    case "length":
      return lengthDecoder(framing.length);
    case "close":
      return closeDecoder();
    case "chunked":
      return chunkedDecoder();
  }
}

function lengthDecoder(length: number): BodyDecoder {
  let received = 0;
  return {
    get received() {
      return received;
    },
    push(bytes) {
      const take = Math.min(bytes.length, length - received);
      received += take;
      const data = take === 0 ? [] : [take === bytes.length ? bytes : bytes.subarray(0, take)];
      return { data, done: received === length, extra: bytes.length - take };
    },
    endOfInput: () => received === length,
  };
}

function closeDecoder(): BodyDecoder {
  let received = 0;
  return {
    get received() {
      return received;
    },
    push(bytes) {
      received += bytes.length;
      return { data: bytes.length === 0 ? [] : [bytes], done: false, extra: 0 };
    },
    endOfInput: () => true,
  };
}

type ChunkedState = "size" | "data" | "data-end" | "trailer" | "done";

function chunkedDecoder(): BodyDecoder {
  let state: ChunkedState = "size";
  let line = "";
  let remaining = 0;
  let received = 0;

  /** Appends to the current line; returns the line once its CRLF arrived. */
  function takeLine(bytes: Uint8Array, at: number): { line?: string; next: number } {
    let i = at;
    while (i < bytes.length && bytes[i] !== 10) i++;
    line += Buffer.from(bytes.buffer, bytes.byteOffset + at, i - at).toString("latin1");
    if (line.length > MAX_CHUNK_LINE) throw protocolError("a chunk-size or trailer line is too long");
    if (i === bytes.length) return { next: i };
    const whole = line;
    line = "";
    if (!whole.endsWith("\r")) throw protocolError("a chunked line does not end with CRLF");
    return { line: whole.slice(0, -1), next: i + 1 };
  }

  return {
    get received() {
      return received;
    },
    push(bytes) {
      const data: Uint8Array[] = [];
      let at = 0;
      while (at < bytes.length && state !== "done") {
        if (state === "data") {
          const take = Math.min(remaining, bytes.length - at);
          data.push(bytes.subarray(at, at + take));
          at += take;
          remaining -= take;
          received += take;
          if (remaining === 0) state = "data-end";
          continue;
        }
        const r = takeLine(bytes, at);
        at = r.next;
        if (r.line === undefined) break;
        if (state === "size") {
          const m = /^([0-9a-fA-F]{1,12})[ \t]*(?:;.*)?$/.exec(r.line);
          if (m?.[1] === undefined) throw protocolError(`bad chunk size ${JSON.stringify(r.line.slice(0, 40))}`);
          remaining = Number.parseInt(m[1], 16);
          state = remaining === 0 ? "trailer" : "data";
        } else if (state === "data-end") {
          if (r.line !== "") throw protocolError("a chunk is longer than its size");
          state = "size";
        } else if (r.line === "") state = "done"; // trailer fields end with a blank line
      }
      return { data, done: state === "done", extra: state === "done" ? bytes.length - at : 0 };
    },
    endOfInput: () => state === "done",
  };
}
