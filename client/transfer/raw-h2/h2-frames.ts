/**
 * HTTP/2 frames (RFC 9113 §4.1, §6) as the raw HTTP/2 reader sends them, its settings and
 * limits. Pure.
 */

/** The client connection preface (RFC 9113 §3.4). */
export const CLIENT_PREFACE = Buffer.from("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n", "latin1");

/** Bytes of a frame header. */
export const FRAME_HEADER_BYTES = 9;

/** Frame types (§6). */
export const FrameType = {
  DATA: 0x0,
  HEADERS: 0x1,
  PRIORITY: 0x2,
  RST_STREAM: 0x3,
  SETTINGS: 0x4,
  PUSH_PROMISE: 0x5,
  PING: 0x6,
  GOAWAY: 0x7,
  WINDOW_UPDATE: 0x8,
  CONTINUATION: 0x9,
} as const;

/** Frame flags (§6). */
export const Flag = { END_STREAM: 0x1, ACK: 0x1, END_HEADERS: 0x4, PADDED: 0x8, PRIORITY: 0x20 } as const;

/** Settings identifiers (§6.5.2). */
export const Setting = {
  HEADER_TABLE_SIZE: 0x1,
  ENABLE_PUSH: 0x2,
  MAX_CONCURRENT_STREAMS: 0x3,
  INITIAL_WINDOW_SIZE: 0x4,
  MAX_FRAME_SIZE: 0x5,
  MAX_HEADER_LIST_SIZE: 0x6,
} as const;

/** Error codes (§7). */
export const H2Error = {
  NO_ERROR: 0x0,
  PROTOCOL_ERROR: 0x1,
  INTERNAL_ERROR: 0x2,
  FLOW_CONTROL_ERROR: 0x3,
  FRAME_SIZE_ERROR: 0x6,
  REFUSED_STREAM: 0x7,
  CANCEL: 0x8,
  COMPRESSION_ERROR: 0x9,
  ENHANCE_YOUR_CALM: 0xb,
} as const;

/** The frame size every peer accepts (§4.2), which we announce too: Node's server sends 16 KiB DATA frames whatever we offer. */
export const DEFAULT_MAX_FRAME_SIZE = 16_384;

/** The default initial window (§6.9.2): what the server grants us before its SETTINGS. */
export const DEFAULT_WINDOW = 65_535;

/** Our stream window (SETTINGS_INITIAL_WINDOW_SIZE) and connection window: 4 MiB, as the Node client's (client/rpc/http2-window.ts). */
export const RECEIVE_WINDOW = 4 * 1024 * 1024;

/** Our SETTINGS_MAX_HEADER_LIST_SIZE: 64 KiB, as the raw HTTP/1.1 reader's head limit (raw-http/response-head.ts). */
export const MAX_HEADER_LIST_BYTES = 64 * 1024;

/** Largest header block (HEADERS + CONTINUATION payloads) kept before it is decoded: 64 KiB. */
export const MAX_HEADER_BLOCK_BYTES = 64 * 1024;

/** One frame: header and payload. */
export function frame(type: number, flags: number, streamId: number, payload: Uint8Array = new Uint8Array(0)): Buffer {
  const out = Buffer.allocUnsafe(FRAME_HEADER_BYTES + payload.length);
  out.writeUIntBE(payload.length, 0, 3);
  out[3] = type;
  out[4] = flags;
  out.writeUInt32BE(streamId & 0x7fffffff, 5);
  out.set(payload, FRAME_HEADER_BYTES);
  return out;
}

/** A SETTINGS frame of (identifier, value) pairs. */
export function settingsFrame(settings: readonly (readonly [number, number])[]): Buffer {
  const payload = Buffer.allocUnsafe(6 * settings.length);
  settings.forEach(([id, value], i) => {
    payload.writeUInt16BE(id, 6 * i);
    payload.writeUInt32BE(value, 6 * i + 2);
  });
  return frame(FrameType.SETTINGS, 0, 0, payload);
}

/** A WINDOW_UPDATE frame (§6.9); `increment` in 1 … 2^31 − 1. */
export function windowUpdateFrame(streamId: number, increment: number): Buffer {
  const payload = Buffer.allocUnsafe(4);
  payload.writeUInt32BE(increment, 0);
  return frame(FrameType.WINDOW_UPDATE, 0, streamId, payload);
}

/** An RST_STREAM frame (§6.4). */
export function rstStreamFrame(streamId: number, code: number): Buffer {
  const payload = Buffer.allocUnsafe(4);
  payload.writeUInt32BE(code, 0);
  return frame(FrameType.RST_STREAM, 0, streamId, payload);
}

/** A GOAWAY frame (§6.8) naming the last stream the server opened (none: 0). */
export function goawayFrame(code: number): Buffer {
  const payload = Buffer.alloc(8);
  payload.writeUInt32BE(code, 4);
  return frame(FrameType.GOAWAY, 0, 0, payload);
}

/** A header block as HEADERS and CONTINUATION frames of at most `maxFrameSize` bytes (§6.2, §6.10). */
export function headerFrames(streamId: number, block: Uint8Array, endStream: boolean, maxFrameSize: number): Buffer[] {
  const out: Buffer[] = [];
  let at = 0;
  do {
    const piece = block.subarray(at, at + maxFrameSize);
    at += piece.length;
    const last = at >= block.length;
    const flags = (last ? Flag.END_HEADERS : 0) | (out.length === 0 && endStream ? Flag.END_STREAM : 0);
    out.push(frame(out.length === 0 ? FrameType.HEADERS : FrameType.CONTINUATION, flags, streamId, piece));
  } while (at < block.length);
  return out;
}

/** A body as DATA frames of at most `maxFrameSize` bytes, the last with END_STREAM (§6.1). */
export function dataFrames(streamId: number, body: Uint8Array, maxFrameSize: number): Buffer[] {
  const out: Buffer[] = [];
  let at = 0;
  do {
    const piece = body.subarray(at, at + maxFrameSize);
    at += piece.length;
    out.push(frame(FrameType.DATA, at >= body.length ? Flag.END_STREAM : 0, streamId, piece));
  } while (at < body.length);
  return out;
}
