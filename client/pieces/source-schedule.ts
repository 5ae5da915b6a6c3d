/**
 * Which pieces a source reads next when a job has several (docs/downloads.md "Sources"). Pure.
 *
 * - A source alone reads the whole next run of missing pieces (one request, as with one peer).
 * - With several, each takes the first unclaimed run, cut to about `targetSeconds` of its
 *   measured rate: a fast source gets longer ranges, so it delivers more; a source not yet
 *   measured starts with `startBytes`. Ranges stay contiguous, so one source's bytes arrive
 *   as one stream.
 * - Endgame: when every missing piece is claimed, an idle source duplicates the tail of what
 *   another source is still reading (the pieces that would arrive last: a stalled or slow
 *   source's range is shared, not waited for). The first copy to arrive wins; the transfer
 *   cancels a read whose remaining pieces all arrived from elsewhere.
 */

/** A piece range: pieces [first, end). */
export interface Assignment {
  readonly first: number;
  readonly end: number;
  /** True when the pieces are already being read by another source (endgame duplicates). */
  readonly duplicate: boolean;
}

/** What the schedule looks at. */
export interface ScheduleInput {
  /** Pieces in the file. */
  readonly count: number;
  readonly pieceLength: number;
  /** True for a piece still missing (not in hand, not being checked from disk). */
  readonly missing: (index: number) => boolean;
  /** Sources reading the piece now. */
  readonly readers: (index: number) => number;
  /** True when this source is reading the piece now. */
  readonly mine: (index: number) => boolean;
  /** For a piece being read: how many pieces its reader still has to deliver before it (larger = later). */
  readonly distance: (index: number) => number;
  /** This source's measured rate in bytes per second (0 = not measured yet). */
  readonly rate: number;
  /** Sources able to read now, this one included. */
  readonly activeSources: number;
  /** Seconds of this source's rate a range should take. @default 2 */
  readonly targetSeconds?: number;
  /** Range size for a source not yet measured. @default 4 MiB */
  readonly startBytes?: number;
  /** Most readers of one piece (1 = no endgame). @default 2 */
  readonly maxReaders?: number;
}

/** Range size for a source not yet measured. */
export const START_RANGE_BYTES = 4 * 1024 * 1024;

/** Pieces in a range for this source (at least 1). */
export function rangePieces(
  input: Pick<ScheduleInput, "pieceLength" | "rate" | "targetSeconds" | "startBytes">,
): number {
  const bytes = input.rate > 0 ? input.rate * (input.targetSeconds ?? 2) : (input.startBytes ?? START_RANGE_BYTES);
  return Math.max(1, Math.floor(bytes / input.pieceLength));
}

/** The next range for one source, or undefined when there is nothing for it to read now. */
export function assignRange(input: ScheduleInput): Assignment | undefined {
  const free = (i: number) => input.missing(i) && input.readers(i) === 0;
  for (let first = 0; first < input.count; first++) {
    if (!free(first)) continue;
    const cap = input.activeSources <= 1 ? input.count : rangePieces(input);
    let end = first + 1;
    while (end < input.count && end - first < cap && free(end)) end++;
    return { first, end, duplicate: false };
  }
  return endgamePiece(input);
}

/**
 * Endgame: the tail of what another source still has to read — from the piece furthest from
 * its reader's position back to the middle of what is left (at most one range of this source).
 * The reader keeps the head; whichever copy of a piece arrives first wins.
 */
function endgamePiece(input: ScheduleInput): Assignment | undefined {
  const maxReaders = input.maxReaders ?? 2;
  const stealable = (i: number, readers: number) =>
    input.missing(i) && !input.mine(i) && input.readers(i) === readers && readers > 0 && readers < maxReaders;
  let best = -1;
  let bestReaders = Number.POSITIVE_INFINITY;
  let bestDistance = -1;
  for (let i = 0; i < input.count; i++) {
    const n = input.readers(i);
    if (!stealable(i, n)) continue;
    const d = input.distance(i);
    if (n < bestReaders || (n === bestReaders && d > bestDistance)) {
      best = i;
      bestReaders = n;
      bestDistance = d;
    }
  }
  if (best < 0) return undefined;
  const cap = rangePieces(input);
  let first = best;
  while (
    first > 0 &&
    best + 1 - first < cap &&
    stealable(first - 1, bestReaders) &&
    input.distance(first - 1) * 2 >= bestDistance
  )
    first--;
  return { first, end: best + 1, duplicate: true };
}
