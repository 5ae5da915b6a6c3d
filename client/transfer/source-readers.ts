/**
 * The source side of a piece transfer (docs/downloads.md "Scheduling"): one reader per
 * source, each asking source-schedule.ts for its next range and handing it to the
 * transfer's read; after a failed read, retry/source-failure.ts decides whether the
 * source backs off, is dropped, or ends the attempt; a source that sent a bad piece is
 * banned; in the endgame, a read whose remaining pieces all arrived elsewhere is cancelled.
 * The pieces themselves (hashing, writing, checkpoints) are the engine's
 * (piece-engine.ts); this module only runs the readers: who reads what is source-schedule.ts
 * and source-steering.ts, what a failure does is source-failed.ts.
 */
import { DownloadError } from "../errors.js";
import type { PieceDeadline } from "../pieces/read-priority.js";
import { assignRange, type Assignment } from "../pieces/source-schedule.js";
import type { BackoffOptions } from "../retry/backoff.js";
import type { SourceFailureDecision } from "../retry/source-failure.js";
import { applySourceFailure } from "./source-failed.js";
import type { SourceRun } from "./source-run.js";
import { preemptForUrgent, scheduleInput, SUPERSEDED, type SteeringView } from "./source-steering.js";

/** What the readers need from the transfer. */
export interface ReaderDeps {
  /** The attempt's controller: aborting it stops every reader. */
  readonly ctl: AbortController;
  readonly count: number;
  readonly pieceLength: number;
  readonly now: () => number;
  readonly backoff: Pick<BackoffOptions, "baseMs" | "capMs" | "maxHintMs">;
  /** @default Math.random */
  readonly random?: (() => number) | undefined;
  /** True for a piece neither in hand nor being checked from disk. */
  readonly missing: (index: number) => boolean;
  /** True for a piece verified and written (or found good on disk). */
  readonly inHand: (index: number) => boolean;
  /** Every piece in hand. */
  readonly allInHand: () => boolean;
  /** Every piece in hand and no disk check running: nothing left to read. */
  readonly done: () => boolean;
  /** Reads one assigned range from one source (the transfer's hashing and writing). */
  readonly read: (run: SourceRun, a: Assignment, ctl: AbortController) => Promise<void>;
  readonly onSourceFailed: (run: SourceRun, error: DownloadError, decision: SourceFailureDecision) => void;
  readonly onSourceBanned: (run: SourceRun, reason: string) => Promise<void>;
  /** Urgent pieces (open reads of the download), earliest deadline first. @default none */
  readonly urgent?: (() => readonly PieceDeadline[]) | undefined;
}

/** The readers of one transfer. */
export class SourceReaders {
  /** Sources reading each piece now. */
  private readonly readers: Uint8Array;
  private waiters: Array<() => void> = [];

  /** What the schedule and the preemption see (source-steering.ts). */
  private readonly view: SteeringView;

  constructor(
    readonly runs: readonly SourceRun[],
    private readonly d: ReaderDeps,
  ) {
    this.readers = new Uint8Array(d.count);
    this.view = {
      runs,
      count: d.count,
      pieceLength: d.pieceLength,
      now: d.now,
      missing: d.missing,
      readers: (i) => this.readers[i] ?? 0,
      urgent: d.urgent,
    };
  }

  /** True when another source than `run` is neither banned nor dropped. */
  othersUsable(run: SourceRun): boolean {
    return this.runs.some((r) => r !== run && !r.gone);
  }

  /** One reader per source until every piece is in hand; throws what ends the attempt. */
  async fetch(): Promise<void> {
    const readers = this.runs.map((run) =>
      this.readFrom(run).catch((err: unknown) => {
        // One reader ending the attempt stops the others at once.
        if (!this.d.ctl.signal.aborted) this.d.ctl.abort(err);
        throw err;
      }),
    );
    const results = await Promise.allSettled(readers);
    // The first cause, not the aborts it caused in the other readers.
    this.d.ctl.signal.throwIfAborted();
    const failed = results.find((r): r is PromiseRejectedResult => r.status === "rejected");
    if (failed !== undefined) throw failed.reason;
    if (!this.d.allInHand()) throw this.noSourceLeft();
  }

  /** A source's reader: ranges from the schedule until nothing is missing or the source is gone. */
  private async readFrom(run: SourceRun): Promise<void> {
    while (!run.gone) {
      this.d.ctl.signal.throwIfAborted();
      if (this.d.done()) return;
      const now = this.d.now();
      if (run.retryAt > now) {
        run.state = "waiting";
        await this.sleep(run.retryAt - now);
        continue;
      }
      run.state = "active";
      const assignment = this.assign(run);
      if (assignment === undefined) {
        if (this.d.done()) return;
        await this.changed();
        continue;
      }
      const release = run.source.tryAcquire === undefined ? () => undefined : run.source.tryAcquire();
      if (release === undefined) {
        // Its peer is at its per-peer limit: ask again in a moment.
        run.retryAt = this.d.now() + 500;
        continue;
      }
      try {
        await this.readAssigned(run, assignment);
      } finally {
        release();
      }
    }
  }

  /** The schedule's answer for one source (source-schedule.ts). */
  private assign(run: SourceRun): Assignment | undefined {
    return assignRange(scheduleInput(this.view, run));
  }

  /**
   * The urgent pieces changed (a reader opened, moved or closed): wake idle sources, and
   * preempt a read when an urgent piece is served by nobody soon (source-steering.ts).
   */
  steer(): void {
    this.notify();
    preemptForUrgent(this.view);
  }

  /** Reads one assigned range; a failure is decided per source and may end the attempt. */
  private async readAssigned(run: SourceRun, a: Assignment): Promise<void> {
    const ctl = new AbortController();
    const onAbort = () => ctl.abort(this.d.ctl.signal.reason);
    this.d.ctl.signal.addEventListener("abort", onAbort, { once: true });
    run.reading = { first: a.first, end: a.end, position: a.first, ctl, urgent: a.urgent === true };
    for (let i = a.first; i < a.end; i++) this.readers[i] = (this.readers[i] ?? 0) + 1;
    try {
      await this.d.read(run, a, ctl);
      run.failures = 0;
    } catch (err) {
      if (ctl.signal.reason === SUPERSEDED && !this.d.ctl.signal.aborted) return;
      await this.sourceFailed(run, err);
    } finally {
      this.d.ctl.signal.removeEventListener("abort", onAbort);
      for (let i = a.first; i < a.end; i++) this.readers[i] = Math.max(0, (this.readers[i] ?? 0) - 1);
      run.reading = undefined;
      this.notify();
    }
  }

  /** After a failed read: back off, drop or ban the source, or end the attempt (rethrows). */
  private async sourceFailed(run: SourceRun, err: unknown): Promise<void> {
    if (this.d.ctl.signal.aborted) throw err; // the attempt is ending anyway (cancel, pause, disk)
    await applySourceFailure(run, err, {
      others: this.runs.filter((r) => r !== run && !r.gone).length,
      now: this.d.now,
      backoff: this.d.backoff,
      random: this.d.random ?? Math.random,
      onSourceFailed: this.d.onSourceFailed,
      ban: (r, reason) => this.ban(r, reason),
    });
  }

  /** Bans a source from the job: its read stops, its pieces go to the others. */
  async ban(run: SourceRun, reason: string): Promise<void> {
    if (run.state === "banned") return;
    run.state = "banned";
    run.reason = reason;
    run.reading?.ctl.abort(SUPERSEDED);
    await this.d.onSourceBanned(run, reason);
  }

  /** Every source is banned or dropped with pieces still missing. */
  private noSourceLeft(): DownloadError {
    const why = this.runs.map((r) => `${r.source.url}: ${r.reason ?? r.lastError?.message ?? r.state}`).join("; ");
    return new DownloadError("unavailable", `no source can send the missing pieces (${why})`);
  }

  /** Resolves at the next change of what is in hand, being read or checked. */
  private changed(): Promise<void> {
    return new Promise<void>((resolve) => this.waiters.push(resolve));
  }

  notify(): void {
    const w = this.waiters;
    this.waiters = [];
    for (const resolve of w) resolve();
  }

  /** Sleeps `ms`, or less when the attempt ends. */
  private async sleep(ms: number): Promise<void> {
    await new Promise<void>((resolve) => {
      const t = setTimeout(done, ms);
      const signal = this.d.ctl.signal;
      function done() {
        clearTimeout(t);
        signal.removeEventListener("abort", done);
        resolve();
      }
      signal.addEventListener("abort", done, { once: true });
    });
  }

  /** Endgame: stops reads whose remaining pieces all arrived from another source. */
  cancelLosers(): void {
    for (const r of this.runs) {
      const reading = r.reading;
      if (reading === undefined || reading.ctl.signal.aborted) continue;
      let needed = false;
      for (let i = reading.position; i < reading.end && !needed; i++) needed = !this.d.inHand(i);
      if (!needed) reading.ctl.abort(SUPERSEDED);
    }
  }
}
