/**
 * What a piece that failed its hash does to the attempt (docs/downloads.md "Sources"): its
 * source is banned when another remains; with one source, a piece failing twice or four
 * bad pieces end the attempt ("bad-pieces"), else the piece is read again.
 */

/** Input of {@link pieceFailureVerdict}. */
export interface PieceFailureInput {
  /** The piece's index. */
  readonly index: number;
  /** Times this piece failed in this attempt, this one included. */
  readonly pieceFailures: number;
  /** Pieces that failed in this attempt, this one included. */
  readonly badPieces: number;
  /** True when another source than the sender is usable. */
  readonly othersUsable: boolean;
  /** @default 2 */
  readonly maxFailuresPerPiece?: number | undefined;
  /** @default 4 */
  readonly maxBadPieces?: number | undefined;
}

/** The verdict: ban the sender, end the attempt (with the reason), or read the piece again. */
export type PieceFailureVerdict =
  | { readonly kind: "ban" }
  | { readonly kind: "end"; readonly reason: string }
  | { readonly kind: "again" };

/** Decides what a failed piece does. */
export function pieceFailureVerdict(i: PieceFailureInput): PieceFailureVerdict {
  if (i.othersUsable) return { kind: "ban" };
  const max = i.maxFailuresPerPiece ?? 2;
  if (i.pieceFailures >= max)
    return { kind: "end", reason: `piece ${i.index} failed its hash ${i.pieceFailures} times` };
  if (i.badPieces >= (i.maxBadPieces ?? 4)) return { kind: "end", reason: `${i.badPieces} pieces failed their hash` };
  return { kind: "again" };
}
