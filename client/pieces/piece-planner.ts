/**
 * Which bytes to read next, given what is verified and what is in hand (docs/pieces.md
 * "Client engine"): the first run of consecutive pieces that are neither verified nor
 * busy (being checked from disk, or in the hashing pipeline), as one byte range. One
 * read per run: a resume cut at 99 % reads one range; a bad piece is read again alone. Pure.
 */
import { hasPiece, type Bitmap } from "./bitmap.js";

/** A range of whole pieces. */
export interface PieceRange {
  /** First piece. */
  readonly first: number;
  /** One past the last piece. */
  readonly end: number;
  /** Byte offset of `first`. */
  readonly offset: number;
  /** Bytes in the range (the last piece may be short). */
  readonly length: number;
}

/** Input of {@link nextRange}. */
export interface PlanInput {
  readonly size: number;
  readonly pieceLength: number;
  readonly verified: Bitmap;
  /** Pieces not to ask for now. */
  readonly busy: (index: number) => boolean;
  /** Start looking at this piece (wraps around). @default 0 */
  readonly from?: number;
}

/** The next run to read, or undefined when every piece is verified or busy. */
export function nextRange(p: PlanInput): PieceRange | undefined {
  const count = p.verified.count;
  if (count === 0) return undefined;
  const wanted = (i: number) => !hasPiece(p.verified, i) && !p.busy(i);
  const from = Math.min(Math.max(0, Math.floor(p.from ?? 0)), count - 1);
  for (let k = 0; k < count; k++) {
    const first = (from + k) % count;
    if (!wanted(first)) continue;
    let end = first + 1;
    while (end < count && wanted(end)) end++;
    const offset = first * p.pieceLength;
    return { first, end, offset, length: Math.min(p.size, end * p.pieceLength) - offset };
  }
  return undefined;
}

/** Pieces whose bytes may be on disk but are not verified: they end at or before `partSize`. */
export function candidatesOnDisk(verified: Bitmap, pieceLength: number, size: number, partSize: number): number[] {
  const out: number[] = [];
  for (let i = 0; i < verified.count; i++) {
    const end = Math.min(size, (i + 1) * pieceLength);
    if (end > partSize) break;
    if (!hasPiece(verified, i)) out.push(i);
  }
  return out;
}
