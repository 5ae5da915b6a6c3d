/**
 * What the schedule sees of the readers (docs/downloads.md "Scheduling"): the input of
 * source-schedule.ts for one source, and, when the urgent pieces of open readers of the
 * download change, which read to stop so an idle-less set of sources takes them
 * (read-priority.ts `pickPreemption`).
 */
import { pickPreemption, type PieceDeadline } from "../pieces/read-priority.js";
import { unserved, urgentRangePieces, type ScheduleInput } from "../pieces/source-schedule.js";
import type { SourceRun } from "./source-run.js";

/** A bulk read (1 MiB messages) from a source at least this fast delivers a piece soon enough for a reader. */
export const BULK_FAST_RATE = 4 * 1024 * 1024;

/** The reason a read is aborted with when the transfer stops it itself (endgame loser, banned source, preempted). */
export const SUPERSEDED = Symbol("superseded");

/** What steering reads of the transfer and its readers. */
export interface SteeringView {
  readonly runs: readonly SourceRun[];
  readonly count: number;
  readonly pieceLength: number;
  readonly now: () => number;
  /** True for a piece neither in hand nor being checked from disk. */
  readonly missing: (index: number) => boolean;
  /** Sources reading piece `index` now. */
  readonly readers: (index: number) => number;
  /** Urgent pieces (open reads of the download), earliest deadline first. @default none */
  readonly urgent?: (() => readonly PieceDeadline[]) | undefined;
}

/** True when `run`'s read is a bulk read too slow to serve a reader soon. */
function slowBulk(run: SourceRun | undefined): boolean {
  return run?.reading?.urgent === false && run.rate() < BULK_FAST_RATE;
}

/** The schedule's input for `run` (source-schedule.ts `assignRange`). */
export function scheduleInput(v: SteeringView, run: SourceRun): ScheduleInput {
  const owner = (i: number) => v.runs.find((r) => r.reading !== undefined && i >= r.reading.first && i < r.reading.end);
  const list = v.urgent?.();
  // Bytes each urgent piece's reader consumes before it needs it.
  const lead = new Map(list?.map((d) => [d.index, d.ahead]));
  return {
    count: v.count,
    pieceLength: v.pieceLength,
    missing: v.missing,
    readers: v.readers,
    mine: (i) => run.reading !== undefined && i >= run.reading.first && i < run.reading.end,
    distance: (i) => i - (owner(i)?.reading?.position ?? i),
    bulk: (i) => slowBulk(owner(i)),
    lead: (i) => Math.floor((lead.get(i) ?? 0) / v.pieceLength),
    rate: run.rate(),
    activeSources: v.runs.filter((r) => !r.gone).length,
    urgent: list?.map((d) => d.index),
  };
}

/**
 * When an urgent piece is served by nobody soon and no source is idle, stops the read of one
 * source that serves no urgent piece (read-priority.ts `pickPreemption`) so it takes it.
 */
export function preemptForUrgent(v: SteeringView): void {
  const deadlines = v.urgent?.() ?? [];
  if (deadlines.length === 0) return;
  const urgent = deadlines.map((d) => d.index);
  const due = new Map(deadlines.map((d) => [d.index, d.ahead]));
  const now = v.now();
  const live = v.runs.filter((r) => !r.gone && r.retryAt <= now);
  if (live.length === 0) return;
  const input = scheduleInput(v, live[0] as SourceRun);
  const k = pickPreemption({
    unserved: urgent.filter((i) => i >= 0 && i < v.count && unserved({ ...input, mine: () => false }, i)),
    reads: live.map((r) =>
      r.reading === undefined || r.reading.ctl.signal.aborted
        ? undefined
        : { ...r.reading, bulk: !r.reading.urgent && r.rate() < BULK_FAST_RATE },
    ),
    deadline: (i) => (v.missing(i) ? (due.get(i) ?? Number.POSITIVE_INFINITY) : Number.POSITIVE_INFINITY),
    soon: urgentRangePieces(v.pieceLength),
  });
  if (k !== undefined) live[k]?.reading?.ctl.abort(SUPERSEDED);
}
