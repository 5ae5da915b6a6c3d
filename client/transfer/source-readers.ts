/**
 * The source side of a piece transfer (docs/downloads.md "Scheduling"): one reader per
 * source, each asking source-schedule.ts for its next range and handing it to the
 * transfer's read; after a failed read, retry/source-failure.ts decides whether the
 * source backs off, is dropped, or ends the attempt; a source that sent a bad piece is
 * banned; in the endgame, a read whose remaining pieces all arrived elsewhere is cancelled.
 * The pieces themselves (hashing, writing, checkpoints) are the transfer's
 * (piece-transfer.ts); this module only decides who reads what, and when.
 */
import { DownloadError, classify } from "../errors.js";
import { pickPreemption, type PieceDeadline } from "../pieces/read-priority.js";
import {
  assignRange,
  unserved,
  urgentRangePieces,
  type Assignment,
  type ScheduleInput,
} from "../pieces/source-schedule.js";
import type { BackoffOptions } from "../retry/backoff.js";
import { decideSourceFailure, type SourceFailureDecision } from "../retry/source-failure.js";
import type { SourceRun } from "./source-run.js";

/** A bulk read (1 MiB messages) from a source at least this fast delivers a piece soon enough for a reader. */
const BULK_FAST_RATE = 4 * 1024 * 1024;

/** The reason a read is aborted with when the transfer stops it itself (endgame loser, banned source). */
export const SUPERSEDED = Symbol("superseded");

/** A source's answer that rules it out: banned (not the file) or unusable (cannot serve ranges). */
export class SourceRefused extends Error {
  constructor(
    readonly verdict: "ban" | "unusable",
    message: string,
  ) {
    super(message);
  }
}

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

  constructor(
    readonly runs: readonly SourceRun[],
    private readonly d: ReaderDeps,
  ) {
    this.readers = new Uint8Array(d.count);
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
    return assignRange(this.scheduleInput(run));
  }

  /**
   * The urgent pieces changed (a reader opened, moved or closed): wake idle sources, and when
   * an urgent piece is served by nobody soon and no source is idle, stop the read of one
   * source that serves no urgent piece (read-priority.ts `pickPreemption`) so it takes it.
   */
  steer(): void {
    const deadlines = this.d.urgent?.() ?? [];
    this.notify();
    if (deadlines.length === 0) return;
    const urgent = deadlines.map((d) => d.index);
    const due = new Map(deadlines.map((d) => [d.index, d.ahead]));
    const now = this.d.now();
    const live = this.runs.filter((r) => !r.gone && r.retryAt <= now);
    if (live.length === 0) return;
    const input = this.scheduleInput(live[0] as SourceRun);
    const k = pickPreemption({
      unserved: urgent.filter((i) => i >= 0 && i < this.d.count && unserved({ ...input, mine: () => false }, i)),
      reads: live.map((r) =>
        r.reading === undefined || r.reading.ctl.signal.aborted
          ? undefined
          : { ...r.reading, bulk: !r.reading.urgent && r.rate() < BULK_FAST_RATE },
      ),
      deadline: (i) => (this.d.missing(i) ? (due.get(i) ?? Number.POSITIVE_INFINITY) : Number.POSITIVE_INFINITY),
      soon: urgentRangePieces(this.d.pieceLength),
    });
    if (k !== undefined) live[k]?.reading?.ctl.abort(SUPERSEDED);
  }

  private scheduleInput(run: SourceRun): ScheduleInput {
    const owner = (i: number) =>
      this.runs.find((r) => r.reading !== undefined && i >= r.reading.first && i < r.reading.end);
    return {
      count: this.d.count,
      pieceLength: this.d.pieceLength,
      missing: this.d.missing,
      readers: (i) => this.readers[i] ?? 0,
      mine: (i) => run.reading !== undefined && i >= run.reading.first && i < run.reading.end,
      distance: (i) => i - (owner(i)?.reading?.position ?? i),
      bulk: (i) => {
        const o = owner(i);
        return o?.reading?.urgent === false && o.rate() < BULK_FAST_RATE;
      },
      lead: (i) => Math.floor((this.lead.get(i) ?? 0) / this.d.pieceLength),
      rate: run.rate(),
      activeSources: this.runs.filter((r) => !r.gone).length,
      urgent: this.urgentIndices(),
    };
  }

  /** Bytes each urgent piece's reader consumes before it needs it (refreshed with the urgent list). */
  private lead = new Map<number, number>();

  private urgentIndices(): number[] | undefined {
    const list = this.d.urgent?.();
    if (list === undefined) return undefined;
    this.lead = new Map(list.map((d) => [d.index, d.ahead]));
    return list.map((d) => d.index);
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
    const others = this.runs.filter((r) => r !== run && !r.gone).length;
    if (err instanceof SourceRefused) {
      if (others === 0) throw new DownloadError("protocol", `${run.source.url}: ${err.message}`);
      if (err.verdict === "ban") return this.ban(run, err.message);
      run.state = "unusable";
      run.reason = err.message;
      this.d.onSourceFailed(run, new DownloadError("protocol", err.message), {
        kind: "drop",
        reason: err.message,
      });
      return;
    }
    const error = classify(err);
    run.failures++;
    run.lastError = error;
    const decision = decideSourceFailure({
      error,
      failures: run.failures,
      othersUsable: others,
      backoff: this.d.backoff,
      random: this.d.random ?? Math.random,
    });
    this.d.onSourceFailed(run, error, decision);
    if (decision.kind === "end-attempt") throw err;
    if (decision.kind === "drop") {
      run.state = "unusable";
      run.reason = decision.reason;
    } else {
      run.state = "waiting";
      run.retryAt = this.d.now() + decision.delayMs;
    }
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
