/**
 * The node a piece is checked against, from its 16 KiB leaves (computed by a hashing
 * worker): for a file of several pieces, the root of the piece's leaves padded with zero
 * leaves up to P / 16 KiB (compared with the piece layer); for a one-piece file, the root
 * of its real leaves (compared with the pieces root). The tree rules stay in
 * common/pieces/tree.ts; this only chooses which one applies. Pure.
 */
import {
  BLOCK_SIZE,
  HASH_SIZE,
  equalBytes,
  merkleRoot,
  rootFromLeaves,
  type HashFn,
} from "../../common/pieces/tree.js";

/** The node of one piece from its leaves. */
export function nodeFromLeaves(
  leaves: readonly Uint8Array[],
  pieceLength: number,
  whole: boolean,
  hash: HashFn,
): Uint8Array {
  if (whole) return rootFromLeaves(leaves, hash);
  const perPiece = pieceLength / BLOCK_SIZE;
  if (leaves.length === 0 || leaves.length > perPiece) {
    throw new RangeError(`a piece of length ${pieceLength} has 1..${perPiece} leaves, got ${leaves.length}`);
  }
  const zero = new Uint8Array(HASH_SIZE);
  const padded = leaves.slice();
  while (padded.length < perPiece) padded.push(zero);
  return merkleRoot(padded, zero, hash);
}

/** What a piece must hash to: layer[index], or the root when the file is one piece. */
export function expectedNode(
  index: number,
  size: number,
  pieceLength: number,
  root: Uint8Array,
  layer: readonly Uint8Array[],
): Uint8Array | undefined {
  return size <= pieceLength ? (index === 0 ? root : undefined) : layer[index];
}

/** True when `node` is what piece `index` must hash to. */
export function nodeMatches(
  node: Uint8Array,
  index: number,
  size: number,
  pieceLength: number,
  root: Uint8Array,
  layer: readonly Uint8Array[],
): boolean {
  const want = expectedNode(index, size, pieceLength, root, layer);
  return want !== undefined && equalBytes(node, want);
}

/** Splits concatenated 32-byte leaves. */
export function splitLeaves(buffer: ArrayBuffer): Uint8Array[] {
  const all = new Uint8Array(buffer);
  const out: Uint8Array[] = [];
  for (let i = 0; i < all.length; i += HASH_SIZE) out.push(all.subarray(i, i + HASH_SIZE));
  return out;
}
