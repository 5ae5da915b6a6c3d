/**
 * Splits a Connect or gRPC response body into enveloped messages (flags byte,
 * 4-byte big-endian length, payload) without joining buffers: a payload is
 * handed on as the list of views of the network buffers it lies in (one view
 * when it fits in one buffer, as it mostly does). Only the 5-byte prefix is
 * ever copied, when a buffer boundary cuts through it. Pure; see
 * docs/performance.md "Client read path".
 *
 * With `transient` pushed buffers (a reader that reuses one read buffer), a payload still
 * incomplete at the end of a push is copied into one of two scratch buffers, which take
 * turns: a message completed in one push is consumed before the next push, so the scratch
 * it lies in is free again by the time the message after next needs it.
 */
import { Code, ConnectError } from "@connectrpc/connect";

/** One enveloped message. */
export interface Envelope {
  /** The flags byte (0 = message; Connect sets 0b10 on the end-of-stream message, 0b01 means compressed). */
  readonly flags: number;
  /** The payload, as consecutive views of the pushed buffers; empty for an empty payload. */
  readonly parts: readonly Uint8Array[];
  /** Payload length in bytes (the sum of the parts). */
  readonly length: number;
}

/** Largest payload accepted, as connect-es's default `readMaxBytes` (0xffffffff). */
export const DEFAULT_READ_MAX_BYTES = 0xffffffff;

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
 * Creates a splitter.
 * @param readMaxBytes largest payload accepted; a larger one is refused with ResourceExhausted. @default 0xffffffff
 * @param transient pushed buffers are reused once the envelopes a push returned were consumed. @default false
 */
export function createEnvelopeSplitter(
  readMaxBytes: number = DEFAULT_READ_MAX_BYTES,
  transient = false,
): EnvelopeSplitter {
  const prefix = new Uint8Array(5);
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
        const take = Math.min(5 - prefixFill, buffer.length - at);
        prefix.set(buffer.subarray(at, at + take), prefixFill);
        prefixFill += take;
        at += take;
        if (prefixFill < 5) break;
        flags = prefix[0] as number;
        length =
          (prefix[1] as number) * 2 ** 24 +
          ((prefix[2] as number) << 16) +
          ((prefix[3] as number) << 8) +
          (prefix[4] as number);
        if (length > readMaxBytes) {
          throw new ConnectError(
            `message size ${length} is larger than configured readMaxBytes ${readMaxBytes}`,
            Code.ResourceExhausted,
          );
        }
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
      if (free.length < length) scratch[turn] = new Uint8Array(Math.max(length, 2 * free.length));
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
      return remaining < 0 ? prefixFill : 5 + length - remaining;
    },
    end() {
      if (prefixFill > 0) throw new ConnectError("protocol error: incomplete envelope", Code.InvalidArgument);
    },
  };
}
