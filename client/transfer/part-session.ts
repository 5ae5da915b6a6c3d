/**
 * What every attempt does to its part file, whichever check it runs (docs/downloads.md
 * "One attempt"): the attempt's abort controller, the write-behind, checkpoints (fsync,
 * THEN store: the row never claims a byte that is not on disk), the final step (fsync →
 * store "verifying" → place → fsync dir) and, after a failure, keep what arrived (or
 * truncate when the file changed). The check (piece-engine.ts, sha256-read.ts) says what
 * a checkpoint records.
 */
import type { FileHandle } from "node:fs/promises";
import { classify, DownloadError } from "../errors.js";
import { checkpointDue } from "./checkpoint-due.js";
import { createNetworkWait, type NetworkWait } from "./network-wait.js";
import { commitPartGuarded } from "./part-file.js";
import type { Checkpoint, TransferOptions, TransferStats } from "./transfer-options.js";
import { createWriteBehind, type WriteBehind } from "./write-behind.js";

/** What the check tells the session about its progress. */
export interface Recorder {
  /** The checkpoint to store now (called after a flush and an fsync); updates the check's "recorded" state. */
  record(): Checkpoint;
  /** True when bytes in hand are not recorded yet (worth a last checkpoint after a failure). */
  unrecorded(): boolean;
  /** Whether a last checkpoint may be stored after a write failed (per piece: which pieces landed is unknown). */
  keepsAfterBrokenWrite: boolean;
  /** The part is about to be truncated (the file changed): readers of the download forget it. @default nothing */
  forget?(reason: string): void;
  /** A write landed on disk: [end - length, end). */
  written(end: number, length: number): void;
}

/** The part file, write-behind and checkpoints of one attempt. */
export class PartSession {
  /** The attempt's controller: aborted by the outer signal, an idle timer, or the attempt's end. */
  readonly ctl = new AbortController();
  /** True once the part was handed to the final step (closed or placed). */
  private closed = false;
  private writer: WriteBehind;
  /** Bytes in hand since the last checkpoint. */
  private pending = 0;
  private lastCheckpointAt: number;
  private readonly onOuterAbort = () => this.ctl.abort(this.o.signal.reason);

  constructor(
    private readonly o: TransferOptions,
    private readonly stats: TransferStats,
    readonly fh: FileHandle,
    private readonly rec: Recorder,
    start: number,
  ) {
    if (o.signal.aborted) this.ctl.abort(o.signal.reason);
    else o.signal.addEventListener("abort", this.onOuterAbort, { once: true });
    this.lastCheckpointAt = o.now();
    this.writer = this.newWriter(start);
  }

  /** The write-behind (write-behind.ts states its invariants). */
  get wb(): WriteBehind {
    return this.writer;
  }

  /** A waiter for network steps under the idle timer, for one read aborted by `ctl`. */
  networkWait(ctl: AbortController = this.ctl): NetworkWait {
    return createNetworkWait(ctl, this.o.idleTimeoutMs, () => this.writer.inFlight);
  }

  /** The part was truncated to 0 (a restart onto a new version): writes start again at 0. */
  async restartAtZero(): Promise<void> {
    await this.fh.truncate(0);
    await this.fh.datasync();
    this.writer = this.newWriter(0);
    this.pending = 0;
  }

  /** Bytes in hand since the last checkpoint. */
  get pendingBytes(): number {
    return this.pending;
  }

  /** `length` more bytes are in hand, not fsync'ed by us (found on disk): the next checkpoint records them. */
  hold(length: number): void {
    this.pending += length;
  }

  /** `length` more bytes are in hand: checkpoints when due (checkpoint-due.ts). */
  async added(length: number): Promise<void> {
    this.pending += length;
    const due = checkpointDue({
      pendingBytes: this.pending,
      sinceLastMs: this.o.now() - this.lastCheckpointAt,
      checkpointBytes: this.o.checkpointBytes,
      checkpointMs: this.o.checkpointMs,
    });
    if (due) await this.checkpoint();
  }

  /** fsync, THEN store: the row never claims bytes that are not on disk. */
  async checkpoint(): Promise<void> {
    await this.writer.flush();
    await this.fh.datasync();
    const at = this.rec.record();
    this.pending = 0;
    this.lastCheckpointAt = this.o.now();
    await this.o.hooks.onCheckpoint(at);
  }

  /**
   * Every byte in: flush → the final step begins (`onFinalStep`) → fsync → store "verifying" (with the last checkpoint, one commit) →
   * `verify` (a last check that may throw) → place → fsync dir. Returns the path used.
   */
  async finish(verify?: () => Promise<void>): Promise<string> {
    await this.writer.flush();
    // Nothing more to read: the job's slot may go to the next file while this one fsyncs.
    this.o.hooks.onFinalStep?.();
    await this.fh.datasync();
    await this.o.hooks.onVerifying(this.rec.record());
    await verify?.();
    this.closed = true;
    // Nothing was written since the fsync above: the final step does not fsync the part again.
    return commitPartGuarded(this.o.hooks.guardRename, this.fh, this.o.partPath, this.o, true);
  }

  /** Runs the attempt's work; on failure keeps what arrived; always releases the part and the listeners. */
  async run<T>(work: () => Promise<T>, cleanup: () => Promise<void>): Promise<T> {
    try {
      return await work();
    } catch (err) {
      const error = this.errorOf(err);
      await this.keepWhatArrived(error);
      throw error;
    } finally {
      this.o.signal.removeEventListener("abort", this.onOuterAbort);
      this.ctl.abort(new DownloadError("cancelled", "the attempt ended"));
      await cleanup();
      if (!this.closed) await this.fh.close().catch(() => undefined);
    }
  }

  /** The attempt's error: the abort reason (cancel, pause, idle) unless a bad piece ended it. */
  private errorOf(err: unknown): DownloadError {
    const reason = this.ctl.signal.aborted ? this.ctl.signal.reason : undefined;
    return reason instanceof DownloadError && !(err instanceof DownloadError && err.code === "bad-pieces")
      ? reason
      : classify(err);
  }

  /** After a failure: truncate when the file changed, else make the bytes in hand durable and record them. */
  private async keepWhatArrived(error: DownloadError): Promise<void> {
    // No write may land after this point (a truncate, a checkpoint, the close).
    await this.writer.settle().catch(() => undefined);
    if (this.closed) return;
    if (error.action === "restart") {
      this.rec.forget?.("the file changed on the peer; the download starts again");
      await this.fh.truncate(0).catch(() => undefined);
      return;
    }
    try {
      if (!this.writer.broken) await this.writer.flush();
    } catch {
      // `written` stays at the last write that succeeded.
    }
    if (this.writer.broken && !this.rec.keepsAfterBrokenWrite) return;
    if (!this.rec.unrecorded()) return;
    try {
      // The lease may be gone; then the row is not ours and the next attempt resumes from the last checkpoint.
      await this.fh.datasync();
      await this.o.hooks.onCheckpoint(this.rec.record());
    } catch {
      // The next attempt resumes from the last good checkpoint instead.
    }
  }

  private newWriter(start: number): WriteBehind {
    return createWriteBehind({
      fs: this.o.fs,
      fh: this.fh,
      start,
      onWritten: (end, length) => {
        this.stats.bytesWritten += length;
        this.rec.written(end, length);
      },
    });
  }
}
