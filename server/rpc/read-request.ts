/**
 * Pure decisions of ReadFile (Google ByteStream's read contract, docs/protocol.md):
 * which bytes a request asks for, or which error it earns. Table-tested.
 */
import { Code } from "@connectrpc/connect";
import {
  DEFAULT_CHUNK_SIZE as PROTOCOL_DEFAULT_CHUNK_SIZE,
  grantedChunkSize,
  MAX_CHUNK_SIZE as PROTOCOL_MAX_CHUNK_SIZE,
  MIN_CHUNK_SIZE as PROTOCOL_MIN_CHUNK_SIZE,
} from "../../common/wire/limits.js";

/** Smallest chunk the server sends (smaller hints are raised); the protocol's, which clients rely on (common/wire/limits.ts). */
export const MIN_CHUNK_SIZE = PROTOCOL_MIN_CHUNK_SIZE;
/** Largest chunk (2 MiB), the protocol's bound that clients enforce too (common/wire/limits.ts). */
export const MAX_CHUNK_SIZE = PROTOCOL_MAX_CHUNK_SIZE;
/** Chunk size when the client gives no hint; measured faster than 256 KiB (docs/connect-notes.md). */
export const DEFAULT_CHUNK_SIZE = PROTOCOL_DEFAULT_CHUNK_SIZE;

/** Outcome of {@link checkReadRequest}: a byte range to stream, or an error code and message. */
export type ReadDecision =
  | {
      readonly ok: true /** First byte. */;
      readonly start: number /** One past the last byte. */;
      readonly end: number;
    }
  | { readonly ok: false; readonly code: Code; readonly message: string };

/**
 * Decides a read of `length` bytes (0 = to the end) from `offset` in a file of
 * `size` bytes: offset outside [0, size] → OUT_OF_RANGE; length < 0 →
 * INVALID_ARGUMENT; otherwise [offset, min(size, offset + length)).
 * `offset == size` is OK with nothing to send.
 */
export function checkReadRequest(offset: bigint, length: bigint, size: number): ReadDecision {
  if (length < 0n) {
    return {
      ok: false,
      code: Code.InvalidArgument,
      message: `length must be >= 0 (0 reads to the end), got ${length}`,
    };
  }
  const total = BigInt(size);
  if (offset < 0n || offset > total) {
    return { ok: false, code: Code.OutOfRange, message: `offset ${offset} is outside the file (0..${size})` };
  }
  const wanted = length === 0n ? total : offset + length;
  const end = wanted < total ? wanted : total;
  return { ok: true, start: Number(offset), end: Number(end) };
}

/**
 * Clamps a chunk size hint to [MIN_CHUNK_SIZE, MAX_CHUNK_SIZE]; 0 (or less) means the default.
 * The protocol's rule ({@link grantedChunkSize}): the client sizes its read areas and its message
 * limit from it, so the server must never send more.
 */
export function clampChunkSize(hint: number): number {
  return grantedChunkSize(hint);
}
