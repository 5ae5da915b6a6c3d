/**
 * The Connect and gRPC envelope (flags byte, 4-byte big-endian length, payload), both
 * directions, for the ReadFile fast paths of the server (server/rpc/fast-read-file/) and
 * the client (client/transfer/fast-read/). Pure.
 *
 * The splitter hands a payload on as the list of views of the network buffers it lies in
 * (one view when it fits in one buffer, as it mostly does); only the 5-byte prefix is ever
 * copied, when a buffer boundary cuts through it (docs/performance.md "What changed", client ReadFile fast path).
 * A declared length above the reader's limit is refused from the prefix, before anything
 * is kept for it (limits.ts).
 *
 * With `transient` pushed buffers (a reader that reuses one read buffer), a payload still
 * incomplete at the end of a push is copied into one of two scratch buffers, which take
 * turns: a message completed in one push is consumed before the next push, so the scratch
 * it lies in is free again by the time the message after next needs it.
 */
import { Code, ConnectError } from "@connectrpc/connect";
import { MAX_READ_FILE_MESSAGE_BYTES, MessageTooLargeError } from "./limits.js";

/** Bytes of the envelope prefix. */
export const ENVELOPE_PREFIX_BYTES = 5;
/** Flag of a compressed message. */
export const COMPRESSED_FLAG = 0b01;
/** Flag of a Connect end-of-stream message. */
export const END_STREAM_FLAG = 0b10;

/** One enveloped message. */
export interface Envelope {
  /** The flags byte (0 = message; Connect sets 0b10 on the end-of-stream message, 0b01 means compressed). */
  readonly flags: number;
  /** The payload, as consecutive views of the pushed buffers; empty for an empty payload. */
  readonly parts: readonly Uint8Array[];
  /** Payload length in bytes (the sum of the parts). */
  readonly length: number;
}

/** Writes an envelope prefix (`flags`, `length`) at `at` of `buf`; returns the position after it. */
export function writeEnvelopePrefix(buf: Uint8Array, at: number, flags: number, length: number): number {
  if (!Number.isSafeInteger(length) || length < 0 || length > 0xffffffff)
    throw new RangeError(`envelope length out of range: ${length}`);
  buf[at] = flags;
  buf[at + 1] = (length >>> 24) & 0xff;
  buf[at + 2] = (length >>> 16) & 0xff;
  buf[at + 3] = (length >>> 8) & 0xff;
  buf[at + 4] = length & 0xff;
  return at + ENVELOPE_PREFIX_BYTES;
}

/** The length an envelope prefix at `at` of `buf` declares. */
export function envelopeLength(buf: Uint8Array, at = 0): number {
  return (
    (buf[at + 1] as number) * 2 ** 24 +
    ((buf[at + 2] as number) << 16) +
    ((buf[at + 3] as number) << 8) +
    (buf[at + 4] as number)
  );
}

/** An envelope around `payload` with `flags`, in one new buffer. */
export function encodeEnvelope(flags: number, payload: Uint8Array): Buffer {
  const out = Buffer.allocUnsafe(ENVELOPE_PREFIX_BYTES + payload.length);
  writeEnvelopePrefix(out, 0, flags, payload.length);
  out.set(payload, ENVELOPE_PREFIX_BYTES);
  return out;
}

/** The payload of a body holding exactly one uncompressed message; `undefined` when incomplete, compressed or trailing bytes follow. */
export function parseSingleEnvelope(body: Uint8Array): Uint8Array | undefined {
  if (body.length < ENVELOPE_PREFIX_BYTES || body[0] !== 0) return undefined;
  if (body.length !== ENVELOPE_PREFIX_BYTES + envelopeLength(body)) return undefined;
  return body.subarray(ENVELOPE_PREFIX_BYTES);
}

/** An incremental envelope splitter. */
export interface EnvelopeSplitter {
  /** Feeds the next body buffer; returns the envelopes it completed, in order. Never copies the payload. */
  push(buffer: Uint8Array): Envelope[];
  /** Bytes of an incomplete envelope held so far (0 between envelopes: the body may end here). */
  readonly pending: number;
  /** Throws the error connect-es raises when the body ends inside an envelope. */
  end(): void;
}

/**
 * Creates a splitter. A prefix declaring more than `readMaxBytes` throws a
 * {@link MessageTooLargeError} before anything is allocated or kept for the payload.
 * @param readMaxBytes largest payload accepted. @default MAX_READ_FILE_MESSAGE_BYTES (2 MiB + 80 KiB)
 * @param transient pushed buffers are reused once the envelopes a push returned were consumed. @default false
 */
export function createEnvelopeSplitter(
  readMaxBytes: number = MAX_READ_FILE_MESSAGE_BYTES,
  transient = false,
): EnvelopeSplitter {
  const prefix = new Uint8Array(ENVELOPE_PREFIX_BYTES);
  const scratch = [new Uint8Array(0), new Uint8Array(0)];
  let turn: 0 | 1 = 0;
  /** Bytes of the current payload already copied to `scratch[turn]` (transient buffers only). */
  let retained = 0;
  let prefixFill = 0;
  let flags = 0;
  let length = 0;
  let parts: Uint8Array[] = [];
  let remaining = -1; // payload bytes still to come; -1 while reading the prefix

  function push(buffer: Uint8Array): Envelope[] {
    const out: Envelope[] = [];
    let at = 0;
    while (at < buffer.length) {
      if (remaining < 0) {
        const take = Math.min(ENVELOPE_PREFIX_BYTES - prefixFill, buffer.length - at);
        prefix.set(buffer.subarray(at, at + take), prefixFill);
        prefixFill += take;
        at += take;
        if (prefixFill < ENVELOPE_PREFIX_BYTES) break;
        flags = prefix[0] as number;
        length = envelopeLength(prefix);
        if (length > readMaxBytes) throw new MessageTooLargeError(length, readMaxBytes);
        remaining = length;
        parts = [];
        retained = 0;
      }
      const take = Math.min(remaining, buffer.length - at);
      if (take > 0) parts.push(buffer.subarray(at, at + take));
      at += take;
      remaining -= take;
      if (remaining === 0) {
        out.push({ flags, parts, length });
        prefixFill = 0;
        remaining = -1;
      }
    }
    if (transient && remaining > 0 && parts.length > 0) retain();
    return out;
  }

  /** Copies the incomplete payload's bytes out of the pushed buffer (which its reader will reuse). */
  function retain(): void {
    if (retained === 0) {
      turn = turn === 0 ? 1 : 0;
      const free = scratch[turn] as Uint8Array;
      // length ≤ readMaxBytes (checked above): the scratch never outgrows the limit.
      if (free.length < length)
        scratch[turn] = new Uint8Array(Math.min(readMaxBytes, Math.max(length, 2 * free.length)));
    }
    const into = scratch[turn] as Uint8Array;
    let at = retained;
    for (const part of parts) {
      if (part.buffer === into.buffer) continue; // the prefix copied by an earlier push
      into.set(part, at);
      at += part.length;
    }
    retained = at;
    parts = [into.subarray(0, at)];
  }

  return {
    push,
    get pending() {
      return remaining < 0 ? prefixFill : ENVELOPE_PREFIX_BYTES + length - remaining;
    },
    end() {
      if (prefixFill > 0) throw new ConnectError("protocol error: incomplete envelope", Code.InvalidArgument);
    },
  };
}
