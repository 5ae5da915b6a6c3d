/**
 * Builders of a server's HTTP/2 bytes for the raw HTTP/2 reader's tests, and a recording
 * connection that feeds an exchange those bytes as socket reads (reading again only when the
 * exchange asks, as raw-http/raw-connection.ts does), so a test can cut them at any position.
 */
import { H2Exchange, type H2Connection, type RawH2Request } from "../../../../client/transfer/raw-h2/h2-exchange.js";
import { Flag, FrameType, frame, settingsFrame } from "../../../../client/transfer/raw-h2/h2-frames.js";
import { encodeLiteralFields, type HeaderField } from "../../../../client/transfer/raw-h2/hpack-decoder.js";
import type { ConnectionReader } from "../../../../client/transfer/raw-http/raw-connection.js";

export { Flag, FrameType, frame, settingsFrame };

/** A header block of literals without indexing. */
export const block = (fields: readonly HeaderField[]): Buffer => encodeLiteralFields(fields);

/** HEADERS on stream 1 carrying `fields` whole. */
export function headers(fields: readonly HeaderField[], flags: number = Flag.END_HEADERS): Buffer {
  return frame(FrameType.HEADERS, flags, 1, block(fields));
}

/** DATA on stream 1, optionally padded. */
export function data(bytes: Uint8Array, flags: number = 0, padding?: number): Buffer {
  if (padding === undefined) return frame(FrameType.DATA, flags, 1, bytes);
  const payload = Buffer.concat([Buffer.from([padding]), bytes, Buffer.alloc(padding)]);
  return frame(FrameType.DATA, flags | Flag.PADDED, 1, payload);
}

/** An RST_STREAM on stream 1. */
export function rst(code: number): Buffer {
  const p = Buffer.alloc(4);
  p.writeUInt32BE(code);
  return frame(FrameType.RST_STREAM, 0, 1, p);
}

/** A GOAWAY naming `lastStream`. */
export function goaway(lastStream: number, code: number): Buffer {
  const p = Buffer.alloc(8);
  p.writeUInt32BE(lastStream, 0);
  p.writeUInt32BE(code, 4);
  return frame(FrameType.GOAWAY, 0, 0, p);
}

/** The server's SETTINGS as Node's server sends them. */
export const SERVER_SETTINGS = settingsFrame([
  [3, 100],
  [4, 65535],
]);

export const OK_GRPC: HeaderField[] = [
  [":status", "200"],
  ["content-type", "application/grpc+proto"],
];

/** A frame written by the exchange, parsed. */
export interface Written {
  readonly type: number;
  readonly flags: number;
  readonly stream: number;
  readonly payload: Buffer;
}

function parseFrames(bytes: Buffer): Written[] {
  const out: Written[] = [];
  for (let at = 0; at + 9 <= bytes.length; ) {
    const length = bytes.readUIntBE(at, 3);
    out.push({
      type: bytes[at + 3] as number,
      flags: bytes[at + 4] as number,
      stream: bytes.readUInt32BE(at + 5) & 0x7fffffff,
      payload: bytes.subarray(at + 9, at + 9 + length),
    });
    at += 9 + length;
  }
  return out;
}

/** A connection whose reads are the test's chunks. */
export class RecordingConnection implements H2Connection {
  reader: ConnectionReader | undefined;
  readonly written: Buffer[] = [];
  paused = false;
  closed = false;
  pendingWriteBytes = 0;
  /** Called on every write with what the reader took so far (flow-control checks). */
  onWrite: ((bytes: Buffer) => void) | undefined;
  private wake: (() => void) | undefined;

  attach(reader: ConnectionReader): void {
    this.reader = reader;
  }
  detach(): void {
    this.reader = undefined;
    this.wake?.(); // a feeder waiting for a read stops
  }
  write(bytes: Uint8Array): void {
    this.written.push(Buffer.from(bytes));
    this.onWrite?.(Buffer.from(bytes));
  }
  resume(): void {
    this.paused = false;
    this.wake?.();
  }
  closeSoon(): void {
    this.closed = true;
  }

  /** The frames the exchange wrote. */
  frames(): Written[] {
    return parseFrames(Buffer.concat(this.written));
  }

  /**
   * Feeds `chunks` as socket reads (each a fresh copy, as a read area would be), waiting
   * while the reader paused; then the server's end unless `end` is false.
   */
  async feed(chunks: readonly Uint8Array[], end = true): Promise<void> {
    for (const c of chunks) {
      while (this.paused && this.reader !== undefined) await new Promise<void>((r) => (this.wake = r));
      if (this.reader === undefined) return;
      if (!this.reader.onRead(Uint8Array.from(c))) this.paused = true;
    }
    if (!end) return;
    while (this.paused && this.reader !== undefined) await new Promise<void>((r) => (this.wake = r));
    this.reader?.onEnd();
    this.reader?.onClose();
  }
}

/** What one exchange gave. */
export interface Outcome {
  readonly status?: number;
  readonly headers?: Headers;
  readonly data: Buffer;
  readonly trailers?: Headers;
  readonly error?: Error;
  readonly conn: RecordingConnection;
}

/** A request as read-file-call.ts sends it. */
export function request(signal = new AbortController().signal): RawH2Request {
  return {
    url: new URL("http://127.0.0.1:1/peer.v1.PeerService/ReadFile"),
    headers: { "content-type": "application/grpc+proto" },
    body: new Uint8Array(10),
    signal,
    holdBytes: 1 << 20,
  };
}

/** Runs one exchange over `chunks`, reading its body to the end (each view copied at once). */
export async function exchange(chunks: readonly Uint8Array[], signal?: AbortSignal): Promise<Outcome> {
  const conn = new RecordingConnection();
  const ex = new H2Exchange(request(signal), conn);
  const feeding = conn.feed(chunks);
  const parts: Buffer[] = [];
  try {
    const res = await ex.head;
    for (;;) {
      const r = await res.body.next();
      if (r.done === true) break;
      parts.push(Buffer.from(r.value));
    }
    await feeding;
    return { status: res.status, headers: res.headers, data: Buffer.concat(parts), trailers: res.trailers(), conn };
  } catch (error) {
    await feeding;
    return { data: Buffer.concat(parts), error: error as Error, conn };
  }
}
