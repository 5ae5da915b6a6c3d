/**
 * Which piece hashes one GetPieceHashes answer carries: pure, table-tested.
 * An answer holds at most 2,048 hashes (64 KiB), whatever `count` asks.
 */
import { Code } from "@connectrpc/connect";
import { HASH_SIZE } from "../../common/pieces/tree.js";
import { MAX_PIECE_HASHES_PAGE_BYTES } from "../../common/wire/limits.js";

/** Most hashes in one answer: 64 KiB of 32-byte nodes (the bound clients read with, common/wire/limits.ts). */
export const MAX_HASHES_PER_ANSWER = MAX_PIECE_HASHES_PAGE_BYTES / HASH_SIZE;

/** The decision: a slice [first, end) of the piece layer, or an error to answer. */
export type PieceHashesPage =
  | { readonly ok: true; readonly first: number; readonly end: number }
  | { readonly ok: false; readonly code: Code; readonly message: string };

/**
 * The slice of the layer to send for a request's `first` and `count` (0 = as
 * many as fit): `layerLength` is 0 for a file of at most one piece (its piece
 * is checked against the root; no hashes), else `pieceCount`.
 */
export function planPieceHashesPage(
  request: { first: bigint; count: bigint },
  pieceCount: number,
  layerLength: number,
): PieceHashesPage {
  if (request.count < 0n) {
    const message = `count must be >= 0 (0 = as many as fit), got ${request.count}`;
    return { ok: false, code: Code.InvalidArgument, message };
  }
  if (request.first < 0n || request.first > BigInt(pieceCount)) {
    const message = `first must be in [0, ${pieceCount}] (the piece count), got ${request.first}`;
    return { ok: false, code: Code.OutOfRange, message };
  }
  const first = Number(request.first);
  const capped = request.count === 0n || request.count > BigInt(MAX_HASHES_PER_ANSWER);
  const wanted = capped ? MAX_HASHES_PER_ANSWER : Number(request.count);
  return { ok: true, first, end: Math.max(first, Math.min(layerLength, first + wanted, pieceCount)) };
}
