/**
 * The piece length of a torrent (pure): BitTorrent v1 and v2 share one piece
 * length, and the .torrent carries 20 bytes (v1 `pieces`) plus 32 bytes (v2
 * `piece layers`) per piece, so the length grows with the content to keep the
 * file small. See docs/pieces.md ("Hybrid torrents").
 */
import { MIN_PIECE_LENGTH, TARGET_PIECES } from "../pieces/tree.js";

/** Largest torrent piece length: 64 MiB (a 1 TiB file → 16,384 pieces, a 512 KiB layer + 320 KiB of SHA-1). */
export const MAX_TORRENT_PIECE_LENGTH = 64 * 1024 * 1024;

/**
 * The smallest power of two in [16 KiB, 64 MiB] that splits `totalSize` bytes
 * into at most 2,048 pieces, and never below a file's own cached piece length
 * (`minimum`, so that every file's piece layer is derived from the cached one).
 * Up to 32 GiB in one file this is the server's per-file rule (pieceLengthFor).
 */
export function torrentPieceLength(totalSize: number, minimum = MIN_PIECE_LENGTH): number {
  if (!Number.isSafeInteger(totalSize) || totalSize < 0) throw new RangeError(`bad total size ${totalSize}`);
  let length = MIN_PIECE_LENGTH;
  while (length < MAX_TORRENT_PIECE_LENGTH && Math.ceil(totalSize / length) > TARGET_PIECES) length *= 2;
  return Math.max(length, minimum);
}
