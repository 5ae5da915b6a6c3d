/**
 * Encodes `ReadFileResponse` messages (proto/peer/v1/peer.proto) for the server's fast
 * path (server/rpc/fast-read-file/stream-chunks.ts): the bytes that precede a chunk's
 * data on the wire, so the data can be read from disk straight into the buffer that goes
 * to the socket. Pure.
 *
 * The payload of a `ReadFileResponse` without `item` is `offset` (field 1, varint,
 * omitted when 0 as proto3 does) followed by `data` (field 2, length-delimited).
 * protobuf-es writes fields in field-number order, so this header + data is
 * byte-for-byte what `toBinary` would produce (test/common/wire/read-file-encode.test.ts).
 */
import { ENVELOPE_PREFIX_BYTES, writeEnvelopePrefix } from "./envelope.js";

/** Largest header: 5 (envelope) + 1 + 10 (offset) + 1 + 5 (data length). */
export const MAX_CHUNK_HEADER = 22;

/** Bytes needed to encode `n` (0 ≤ n < 2^53) as a protobuf varint. */
export function varintLength(n: number): number {
  let len = 1;
  let v = n;
  while (v >= 128) {
    v = Math.floor(v / 128);
    len++;
  }
  return len;
}

/** Writes `n` as a varint into `buf` at `at`; returns the next position. */
export function writeVarint(buf: Uint8Array, at: number, n: number): number {
  let v = n;
  let i = at;
  while (v >= 128) {
    buf[i++] = (v % 128) | 128;
    v = Math.floor(v / 128);
  }
  buf[i++] = v;
  return i;
}

function chunkPayloadLength(offset: number, dataLength: number): number {
  const offsetField = offset === 0 ? 0 : 1 + varintLength(offset);
  const dataField = dataLength === 0 ? 0 : 1 + varintLength(dataLength) + dataLength;
  return offsetField + dataField;
}

/** Length of the header written by {@link writeChunkHeader}. */
export function chunkHeaderLength(offset: number, dataLength: number): number {
  return ENVELOPE_PREFIX_BYTES + chunkPayloadLength(offset, dataLength) - dataLength;
}

/**
 * Writes envelope + `offset` field + `data` tag and length at the start of `buf`;
 * returns the header length (where the data must go). `tailLength` bytes of
 * further fields (the first message's `item`, field 3, which protobuf-es writes
 * after `data`) are counted in the envelope length; the caller writes them after
 * the data. Throws a RangeError on a bad offset or length.
 * @param tailLength bytes that follow the data inside the same message. @default 0
 */
export function writeChunkHeader(buf: Uint8Array, offset: number, dataLength: number, tailLength = 0): number {
  if (!Number.isSafeInteger(offset) || offset < 0)
    throw new RangeError(`offset must be a non-negative safe integer, got ${offset}`);
  if (!Number.isSafeInteger(dataLength) || dataLength < 0 || dataLength > 0xffffffff - 32) {
    throw new RangeError(`data length out of range: ${dataLength}`);
  }
  if (!Number.isSafeInteger(tailLength) || tailLength < 0)
    throw new RangeError(`tail length out of range: ${tailLength}`);
  let i = writeEnvelopePrefix(buf, 0, 0, chunkPayloadLength(offset, dataLength) + tailLength);
  if (offset !== 0) {
    buf[i++] = 0x08; // field 1, varint
    i = writeVarint(buf, i, offset);
  }
  if (dataLength !== 0) {
    buf[i++] = 0x12; // field 2, length-delimited
    i = writeVarint(buf, i, dataLength);
  }
  return i;
}

/** Field 3 (`item`) of a ReadFileResponse: tag, length, then the encoded Item. */
export function itemField(itemBytes: Uint8Array): Buffer {
  const out = Buffer.allocUnsafe(1 + varintLength(itemBytes.length) + itemBytes.length);
  out[0] = 0x1a; // field 3, length-delimited
  const at = writeVarint(out, 1, itemBytes.length);
  out.set(itemBytes, at);
  return out;
}
