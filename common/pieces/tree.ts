/**
 * The BitTorrent v2 (BEP 52) merkle tree of one file, bit for bit: 16 KiB
 * SHA-256 leaves (the last block hashed as is), the leaf layer padded to a
 * power of two with 32-zero-byte leaves, node = SHA-256(left ‖ right), the top
 * node is the pieces root. The piece layer for a piece length P is the layer
 * whose nodes cover P bytes; it is padded with the pad hash of that level when
 * checked against the root. A file of at most P bytes has no piece layer (its
 * root is checked directly) and an empty file has no root. See docs/pieces.md.
 *
 * Pure: no I/O, SHA-256 injected (node:crypto in the server's worker, the
 * client's workers and the tests).
 */

/** BEP 52 leaf block: 16 KiB. */
export const BLOCK_SIZE = 16384;
/** Smallest piece length chosen by {@link pieceLengthFor}: one block. */
export const MIN_PIECE_LENGTH = BLOCK_SIZE;
/** Largest piece length chosen by {@link pieceLengthFor}: 16 MiB. */
export const MAX_PIECE_LENGTH = 16 * 1024 * 1024;
/** Pieces per file that {@link pieceLengthFor} aims at (at most, unless P is already 16 MiB). */
export const TARGET_PIECES = 2048;
/** Bytes of one SHA-256 node. */
export const HASH_SIZE = 32;

/** SHA-256: 32 bytes out. */
export type HashFn = (data: Uint8Array) => Uint8Array;

/**
 * The piece length for a file of `size` bytes: the smallest power of two in
 * [16 KiB, 16 MiB] that splits it into at most 2,048 pieces (1 GiB → 512 KiB,
 * 50 GiB → 16 MiB, which gives more than 2,048). Keeps a piece layer ≤ 64 KiB.
 */
export function pieceLengthFor(size: number): number {
  assertSize(size);
  let length = MIN_PIECE_LENGTH;
  while (length < MAX_PIECE_LENGTH && Math.ceil(size / length) > TARGET_PIECES) length *= 2;
  return length;
}

/** Number of pieces of a `size`-byte file at `pieceLength`; 0 for an empty file. */
export function pieceCount(size: number, pieceLength: number): number {
  assertSize(size);
  assertPieceLength(pieceLength);
  return Math.ceil(size / pieceLength);
}

/** Byte range of piece `index` (the last one may be short). Throws when `index` is out of range. */
export function pieceSpan(index: number, pieceLength: number, size: number): { offset: number; length: number } {
  const count = pieceCount(size, pieceLength);
  if (!Number.isInteger(index) || index < 0 || index >= count) {
    throw new RangeError(`piece index ${index} is out of range: the file has ${count} pieces`);
  }
  const offset = index * pieceLength;
  return { offset, length: Math.min(pieceLength, size - offset) };
}

/** One SHA-256 per 16 KiB block of `data` (the last block may be short); [] for no bytes. */
export function leafHashes(data: Uint8Array, hash: HashFn): Uint8Array[] {
  const leaves: Uint8Array[] = [];
  for (let offset = 0; offset < data.length; offset += BLOCK_SIZE) {
    leaves.push(hash(data.subarray(offset, Math.min(offset + BLOCK_SIZE, data.length))));
  }
  return leaves;
}

/** SHA-256(left ‖ right). */
export function hashPair(left: Uint8Array, right: Uint8Array, hash: HashFn): Uint8Array {
  const both = new Uint8Array(left.length + right.length);
  both.set(left, 0);
  both.set(right, left.length);
  return hash(both);
}

/** Root of a subtree of `leaves` zero leaves (`leaves` a power of two; 1 → 32 zero bytes). */
export function padHash(leaves: number, hash: HashFn): Uint8Array {
  if (!isPowerOfTwo(leaves)) throw new RangeError(`padHash needs a power of two of leaves, got ${leaves}`);
  let node: Uint8Array = new Uint8Array(HASH_SIZE);
  for (let width = 1; width < leaves; width *= 2) node = hashPair(node, node, hash);
  return node;
}

/**
 * Root of `nodes` padded to the next power of two with `padNode` (then its
 * parents at each level up). One node is its own root; no nodes → empty array.
 */
export function merkleRoot(nodes: readonly Uint8Array[], padNode: Uint8Array, hash: HashFn): Uint8Array {
  if (nodes.length === 0) return new Uint8Array(0);
  let level: readonly Uint8Array[] = nodes;
  let pad = padNode;
  while (level.length > 1) {
    const next: Uint8Array[] = [];
    for (let i = 0; i < level.length; i += 2) {
      next.push(hashPair(level[i] as Uint8Array, level[i + 1] ?? pad, hash));
    }
    level = next;
    pad = hashPair(pad, pad, hash);
  }
  return level[0] as Uint8Array;
}

/**
 * Node of one piece of a multi-piece file: the root of its leaves padded with
 * zero leaves up to P / 16 KiB (so a short last piece still covers P bytes).
 */
export function pieceHash(piece: Uint8Array, pieceLength: number, hash: HashFn): Uint8Array {
  assertPieceLength(pieceLength);
  if (piece.length === 0 || piece.length > pieceLength) {
    throw new RangeError(`a piece has 1..${pieceLength} bytes, got ${piece.length}`);
  }
  return pieceNode(leafHashes(piece, hash), pieceLength / BLOCK_SIZE, hash);
}

/**
 * The piece layer at `pieceLength` from a file's leaves: one node per piece.
 * [] when the file fits one piece (size ≤ P), which then has no piece layer.
 */
export function pieceLayer(leaves: readonly Uint8Array[], pieceLength: number, hash: HashFn): Uint8Array[] {
  assertPieceLength(pieceLength);
  const perPiece = pieceLength / BLOCK_SIZE;
  if (leaves.length <= perPiece) return [];
  const layer: Uint8Array[] = [];
  for (let first = 0; first < leaves.length; first += perPiece) {
    layer.push(pieceNode(leaves.slice(first, first + perPiece), perPiece, hash));
  }
  return layer;
}

/** The pieces root from all of a file's leaves; an empty array for an empty file (no root). */
export function rootFromLeaves(leaves: readonly Uint8Array[], hash: HashFn): Uint8Array {
  return merkleRoot(leaves, new Uint8Array(HASH_SIZE), hash);
}

/** The pieces root from a piece layer at `pieceLength`, padded with that level's pad hash. */
export function rootFromPieceLayer(layer: readonly Uint8Array[], pieceLength: number, hash: HashFn): Uint8Array {
  assertPieceLength(pieceLength);
  return merkleRoot(layer, padHash(pieceLength / BLOCK_SIZE, hash), hash);
}

/**
 * True when `piece` (the bytes of piece `index`) matches: against layer[index] for multi-piece files,
 * against the root itself when the file has one piece (size ≤ P: its root covers only its real leaves).
 */
export function checkPiece(args: {
  index: number;
  piece: Uint8Array;
  size: number;
  pieceLength: number;
  root: Uint8Array;
  layer: readonly Uint8Array[];
  hash: HashFn;
}): boolean {
  const { index, piece, size, pieceLength, root, layer, hash } = args;
  if (size === 0) return false;
  const span = pieceSpan(index, pieceLength, size);
  if (piece.length !== span.length) return false;
  if (size <= pieceLength) return equalBytes(rootFromLeaves(leafHashes(piece, hash), hash), root);
  const expected = layer[index];
  return expected !== undefined && equalBytes(pieceHash(piece, pieceLength, hash), expected);
}

/**
 * True when `layer` is the piece layer of a `size`-byte file under `root`:
 * the right number of 32-byte nodes and the same root once padded. A file of
 * at most P bytes must have an empty layer.
 */
export function checkPieceLayer(args: {
  layer: readonly Uint8Array[];
  size: number;
  pieceLength: number;
  root: Uint8Array;
  hash: HashFn;
}): boolean {
  const { layer, size, pieceLength, root, hash } = args;
  const expectedCount = size <= pieceLength ? 0 : pieceCount(size, pieceLength);
  if (layer.length !== expectedCount || layer.some((node) => node.length !== HASH_SIZE)) return false;
  if (expectedCount === 0) return true;
  return equalBytes(rootFromPieceLayer(layer, pieceLength, hash), root);
}

/** Constant-shape byte comparison. */
export function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= (a[i] as number) ^ (b[i] as number);
  return diff === 0;
}

/** True for 1, 2, 4, 8, … */
export function isPowerOfTwo(n: number): boolean {
  return Number.isInteger(n) && n >= 1 && (n & (n - 1)) === 0 && n <= 2 ** 30;
}

/** Node of one piece from its leaves (1 .. P / 16 KiB of them), padded with zero leaves up to P / 16 KiB. */
export function pieceHashFromLeaves(leaves: readonly Uint8Array[], pieceLength: number, hash: HashFn): Uint8Array {
  assertPieceLength(pieceLength);
  const perPiece = pieceLength / BLOCK_SIZE;
  if (leaves.length === 0 || leaves.length > perPiece) {
    throw new RangeError(`a piece has 1..${perPiece} leaves, got ${leaves.length}`);
  }
  return pieceNode(leaves, perPiece, hash);
}

/** Root of up to `perPiece` leaves padded with zero leaves to exactly `perPiece`. */
function pieceNode(leaves: readonly Uint8Array[], perPiece: number, hash: HashFn): Uint8Array {
  const padded = leaves.slice();
  const zero = new Uint8Array(HASH_SIZE);
  while (padded.length < perPiece) padded.push(zero);
  return merkleRoot(padded, zero, hash);
}

function assertSize(size: number): void {
  if (!Number.isSafeInteger(size) || size < 0) {
    throw new RangeError(`size must be a whole number of bytes >= 0, got ${size}`);
  }
}

function assertPieceLength(pieceLength: number): void {
  if (!isPowerOfTwo(pieceLength) || pieceLength < BLOCK_SIZE) {
    throw new RangeError(`piece length must be a power of two >= ${BLOCK_SIZE}, got ${pieceLength}`);
  }
}
