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
 * - Urgent pieces first (read-priority.ts: what open reads of the download need, earliest
 *   deadline first): the first one nobody delivers soon — free, or deep in another source's
 *   range — in short ranges, so several sources share a reader's window.
 */

/** A piece range: pieces [first, end). */
export interface Assignment {
  readonly first: number;
  readonly end: number;
  /** True when the pieces are already being read by another source (endgame duplicates). */
  readonly duplicate: boolean;
  /** True for urgent pieces (a reader of the download needs them): read in small messages. */
  readonly urgent?: true;
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
  /** True when the piece's reader reads in big messages on a slow link (not urgent pieces): it arrives only with its whole message, late. @default never */
  readonly bulk?: (index: number) => boolean;
  /** For an urgent piece, pieces its reader consumes before needing it (its deadline in pieces). @default 0 */
  readonly lead?: (index: number) => number;
  /** Urgent pieces, earliest deadline first (read-priority.ts). @default none */
  readonly urgent?: readonly number[];
  /** A piece within this many pieces of its reader's position arrives "soon". @default urgentPieces(pieceLength) */
  readonly soon?: number;
}

/** Most bytes of one range of urgent pieces: short, so a reader's first piece is not queued behind its window. */
export const URGENT_RANGE_BYTES = 2 * 1024 * 1024;

/** Pieces in a range of urgent pieces (at least 1). */
export function urgentRangePieces(pieceLength: number): number {
  return Math.max(1, Math.floor(URGENT_RANGE_BYTES / pieceLength));
}

/**
 * True for a missing piece that nobody delivers in time: free; or another source reaches it
 * later than its reader needs it (more pieces before it in that source's range than `soon`
 * plus the reader's lead); or it is in a slow bulk read (it comes with a whole message).
 */
export function unserved(input: ScheduleInput, i: number): boolean {
  if (!input.missing(i)) return false;
  const n = input.readers(i);
  if (n === 0) return true;
  const soon = input.soon ?? urgentRangePieces(input.pieceLength);
  const late = input.distance(i) >= soon + Math.max(0, input.lead?.(i) ?? 0);
  return n < (input.maxReaders ?? 2) && !input.mine(i) && (late || input.bulk?.(i) === true);
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
  const urgent = urgentRange(input, free);
  if (urgent !== undefined) return urgent;
  for (let first = 0; first < input.count; first++) {
    if (!free(first)) continue;
    const cap = input.activeSources <= 1 ? input.count : rangePieces(input);
    let end = first + 1;
    while (end < input.count && end - first < cap && free(end)) end++;
    return { first, end, duplicate: false };
  }
  return endgamePiece(input);
}

/** The first urgent piece nobody delivers soon, with the urgent free pieces that follow it. */
function urgentRange(input: ScheduleInput, free: (i: number) => boolean): Assignment | undefined {
  const list = input.urgent ?? [];
  if (list.length === 0) return undefined;
  const set = new Set(list);
  for (const first of list) {
    if (first < 0 || first >= input.count || !unserved(input, first)) continue;
    if (!free(first)) return { first, end: first + 1, duplicate: true, urgent: true };
    const cap = Math.min(urgentRangePieces(input.pieceLength), rangePieces(input));
    let end = first + 1;
    while (end < input.count && end - first < cap && free(end) && set.has(end)) end++;
    return { first, end, duplicate: false, urgent: true };
  }
  return undefined;
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
