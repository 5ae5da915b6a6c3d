/**
 * Which pieces are urgent because something reads the download while it runs
 * (docs/downloads.md "Priorities and deadlines"). Pure.
 *
 * Every open read (a player's range request) has a position — the next byte it needs —
 * and a read-ahead window after it. Each piece in a window gets a deadline, expressed as
 * the bytes the reader consumes before it needs that piece (`ahead`: 0 = a reader waits
 * for it now); the schedule serves urgent pieces in deadline order, so the piece a reader
 * is blocked on comes first, then the windows of every reader interleaved by distance.
 * A `sequential` job adds the file's first and last pieces (a container's header and an
 * MP4 index at the end) after the readers' windows; the rest then goes in order anyway.
 */

/** One read of a byte range of the download. */
export interface ReadWant {
  /** Next byte the reader needs. */
  readonly position: number;
  /** One past the last byte of its range. */
  readonly end: number;
  /** Bytes after `position` to fetch early (its read-ahead window). */
  readonly readAhead: number;
}

/** Input of {@link urgentPieces}. */
export interface PriorityInput {
  readonly size: number;
  readonly pieceLength: number;
  /** Open reads, oldest first (ties in deadline go to the older read). */
  readonly reads: readonly ReadWant[];
  /** The job's `sequential` option: the first and last pieces early. @default false */
  readonly sequential?: boolean;
  /** Bytes at each end of the file a sequential job fetches first. @default EDGE_BYTES */
  readonly edgeBytes?: number;
}

/** One urgent piece and its deadline. */
export interface PieceDeadline {
  readonly index: number;
  /** Bytes the reader consumes before it needs this piece (0: needed now); edges come after every window. */
  readonly ahead: number;
}

/** Bytes at each end of a file that a sequential job fetches before the middle (an MP4 index is often at the end). */
export const EDGE_BYTES = 2 * 1024 * 1024;

/** Most pieces one read's window may name (bounds the work per scheduling decision). */
export const MAX_WINDOW_PIECES = 4096;

/** Urgent pieces, earliest deadline first (each piece once, with its earliest deadline). */
export function urgentPieces(input: PriorityInput): PieceDeadline[] {
  const { size, pieceLength } = input;
  if (!(size > 0) || !(pieceLength > 0) || !Number.isSafeInteger(size)) return [];
  const count = Math.ceil(size / pieceLength);
  const best = new Map<number, { ahead: number; order: number }>();
  const offer = (index: number, ahead: number, order: number) => {
    const had = best.get(index);
    if (had === undefined || ahead < had.ahead || (ahead === had.ahead && order < had.order))
      best.set(index, { ahead, order });
  };
  input.reads.forEach((read, order) => {
    const position = Math.floor(read.position);
    const end = Math.min(size, Math.floor(read.end));
    if (!(position >= 0) || !(end > position)) return; // nothing left to read, or nonsense
    const windowEnd = Math.min(end, position + Math.max(1, Math.floor(read.readAhead) || 0));
    const first = Math.floor(position / pieceLength);
    const last = Math.min(count - 1, Math.floor((windowEnd - 1) / pieceLength), first + MAX_WINDOW_PIECES - 1);
    for (let i = first; i <= last; i++) offer(i, Math.max(0, i * pieceLength - position), order);
  });
  if (input.sequential === true) {
    const edge = Math.max(1, Math.ceil((input.edgeBytes ?? EDGE_BYTES) / pieceLength));
    const after = Number.MAX_SAFE_INTEGER; // after every reader's window
    for (let i = 0; i < Math.min(edge, count); i++) offer(i, after, input.reads.length + i);
    // The tail in file order, so it is read as one range.
    for (let i = Math.max(0, count - edge); i < count; i++) offer(i, after, input.reads.length + edge + i);
  }
  return [...best.entries()]
    .sort((a, b) => a[1].ahead - b[1].ahead || a[1].order - b[1].order || a[0] - b[0])
    .map(([index, v]) => ({ index, ahead: v.ahead }));
}

/** A read a source is doing now, for {@link pickPreemption}. */
export interface SourceRead {
  /** Next piece it will deliver. */
  readonly position: number;
  /** One past its last piece. */
  readonly end: number;
  /** True for a read in big messages (not of urgent pieces): a piece arrives only with its whole message, so it serves no reader soon. @default false */
  readonly bulk?: boolean;
}

/** Input of {@link pickPreemption}. */
export interface PreemptInput {
  /** Urgent pieces nobody will deliver soon (missing, and not within `soon` pieces of a reader), earliest deadline first. */
  readonly unserved: readonly number[];
  /** The sources' current reads (undefined: idle — then nothing is preempted, the idle one takes it). */
  readonly reads: readonly (SourceRead | undefined)[];
  /** A piece's deadline (`ahead` of urgentPieces); +Infinity for a piece nobody reads. */
  readonly deadline: (index: number) => number;
  /** Pieces from a read's position that count as "soon". */
  readonly soon: number;
}

/**
 * Which source's read to stop so it can take an urgent piece: none while a source is idle
 * (it takes it), nor when every read serves a piece due no later than the first unserved
 * one; else the read whose next `soon` pieces are due latest (a read of pieces nobody waits
 * for first). Its pieces already in hand stay; the rest is read again later.
 */
export function pickPreemption(input: PreemptInput): number | undefined {
  const first = input.unserved[0];
  if (first === undefined) return undefined;
  if (input.reads.some((r) => r === undefined)) return undefined;
  const due = input.deadline(first);
  let pick: number | undefined;
  let pickDue = due;
  for (let k = 0; k < input.reads.length; k++) {
    const r = input.reads[k];
    if (r === undefined) continue;
    let soonest = Number.POSITIVE_INFINITY;
    for (let i = r.position; r.bulk !== true && i < Math.min(r.end, r.position + input.soon); i++)
      soonest = Math.min(soonest, input.deadline(i));
    if (soonest > pickDue) {
      pick = k;
      pickDue = soonest;
    }
  }
  return pick;
}
