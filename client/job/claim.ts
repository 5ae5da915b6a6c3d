/**
 * One claim of a job by this process: its slot in the limiter, its lease (renewed while
 * held), the controller that aborts the current attempt, and the row updates only the
 * lease holder may make. client/job/download-job.ts drives it.
 */
import { setTimeout as sleep } from "node:timers/promises";
import { DownloadError } from "../errors.js";
import type { EventError } from "../events/download-events.js";
import type { ClientEntry, JobContext } from "./context.js";
import { makeCommitsDurable } from "../store/database.js";
import * as repo from "../store/download.repository.js";
import { RUNNABLE_STATUSES, type DownloadRow, type DownloadStatus } from "../store/download.table.js";
import { isLeaseOwnerDead } from "../store/lease.js";
import type { Bitmap } from "../pieces/bitmap.js";
import type { Verification } from "../events/download-events.js";

/** The fields every event has. */
export function eventBase(row: { id: string; file_name: string }, now: () => number) {
  return { id: row.id, fileName: row.file_name, time: new Date(now()).toISOString() };
}

/** An error as events carry it. */
export function errOf(e: DownloadError): EventError {
  return { code: e.code, message: e.message };
}

/** The patch that fails a row. */
export function failPatch(e: DownloadError) {
  return {
    status: "failed" as const,
    ...errorPatch(e),
    lease_owner: null,
    lease_expires_at: null,
    next_attempt_at: null,
  };
}

/** The patch that records an error. */
export function errorPatch(e: DownloadError) {
  return { error_code: e.code, error_message: e.message };
}

/** A job claimed (or being claimed) by this process. */
export class JobClaim {
  /** Aborted by the caller's signal (cancel, pause, shutdown) or a lost lease. */
  readonly attemptCtl = new AbortController();
  /** Pieces this process wrote or checked itself (not re-checked from disk on its next attempts). */
  trustedPieces: Bitmap | undefined;
  /** The fencing token of our claim: every write of the row and the final rename require it. */
  token: number | undefined;
  /** The row's status when it was last read before the claim (an interrupted run shows `downloading` or `verifying`). */
  statusBefore: DownloadStatus | undefined;
  private release: (() => void) | undefined;
  /** The limiter's `finishing` permit, held instead of the slot during the final step. */
  private finishingPermit: (() => void) | undefined;
  /** The folder job of the claimed row, if any. */
  private folderJobId: string | undefined;
  private renewTimer: NodeJS.Timeout | undefined;
  private readonly onAbort = () => this.attemptCtl.abort(this.signal.reason);

  constructor(
    readonly ctx: JobContext,
    readonly id: string,
    readonly signal: AbortSignal,
    readonly entry: ClientEntry,
  ) {
    signal.addEventListener("abort", this.onAbort, { once: true });
  }

  /**
   * Takes a slot, then the lease, which starts an attempt in the same statement (the row comes
   * back `downloading`, its `attempts` counted); while another process holds the lease, waits
   * and looks again. Returns the claimed row, or undefined when the job ended meanwhile (its
   * event is emitted).
   */
  async claim(row: DownloadRow): Promise<DownloadRow | undefined> {
    const { ctx, id } = this;
    for (;;) {
      this.folderJobId = row.folder_job_id ?? undefined;
      this.release = await this.acquireSlot(row.peer_url, this.signal);
      const holder = row.lease_owner;
      const deadOwner = holder !== null && holder !== ctx.owner && isLeaseOwnerDead(holder) ? holder : undefined;
      const claimed = await repo.claimAndStart(ctx.db, {
        id,
        owner: ctx.owner,
        nowMs: ctx.now(),
        leaseMs: ctx.o.leaseMs,
        deadOwner,
      });
      if (claimed !== undefined) {
        this.statusBefore = row.status;
        this.token = Number(claimed.lease_token);
        this.startRenewing();
        return claimed;
      }
      this.releaseSlot();
      await sleep(ctx.o.pollMs, undefined, { signal: this.signal });
      const again = await repo.getDownloadRow(ctx.db, id);
      if (again === undefined) return undefined;
      if (!RUNNABLE_STATUSES.includes(again.status)) {
        emitTerminal(ctx, again);
        return undefined;
      }
      row = again;
    }
  }

  /**
   * Renews the lease every third of its length; a lost lease aborts the attempt. Self-fencing:
   * when renewals fail (the database is unreachable) until our lease has surely expired, the
   * attempt stops writing the part, since another worker may have claimed the job meanwhile.
   */
  private startRenewing(): void {
    const { ctx, id } = this;
    let leaseUntil = ctx.now() + ctx.o.leaseMs;
    this.renewTimer = setInterval(
      () => {
        const at = ctx.now();
        if (at >= leaseUntil) {
          this.attemptCtl.abort(
            new DownloadError("lease-lost", "the lease expired: the database could not be reached to renew it"),
          );
        }
        repo.renewLease(ctx.db, id, ctx.owner, at, ctx.o.leaseMs, this.token).then(
          (ok) => {
            if (ok) leaseUntil = at + ctx.o.leaseMs;
            else this.attemptCtl.abort(new DownloadError("lease-lost", "another worker took this job over"));
          },
          () => undefined,
        );
      },
      Math.max(50, Math.floor(ctx.o.leaseMs / 3)),
    );
    this.renewTimer.unref();
  }

  /** Gives the slot back (a sleeping job holds none), and the final step's permit. */
  releaseSlot(): void {
    this.release?.();
    this.release = undefined;
    this.finishingPermit?.();
    this.finishingPermit = undefined;
  }

  /** True while the job holds its slot. */
  get holdsSlot(): boolean {
    return this.release !== undefined;
  }

  /**
   * The attempt reads no more (every byte written; its fsyncs, the rename and `completed`
   * remain): the slot goes to the next job, so fsync latency does not hold one of a folder's
   * `folderFiles` (docs/downloads.md "Scheduling"). At most the limiter's `finishing` jobs do
   * this at once; past that a job keeps its slot to the end. A later attempt takes a slot again.
   */
  enterFinalStep(): void {
    if (this.release === undefined || this.finishingPermit !== undefined) return;
    const permit = this.ctx.limiter.finishing.tryAcquire();
    if (permit === undefined) return;
    this.releaseSlot();
    this.finishingPermit = permit;
  }

  /** Takes a slot again after a retry delay. */
  async reacquireSlot(peerUrl: string): Promise<void> {
    this.release = await this.acquireSlot(peerUrl, this.attemptCtl.signal);
  }

  /** A file of a folder job runs in its folder's slot (scheduler/limiter.ts), any other job in its own. */
  private acquireSlot(peerUrl: string, signal: AbortSignal) {
    const { limiter } = this.ctx;
    return this.folderJobId === undefined
      ? limiter.acquire(peerUrl, signal)
      : limiter.acquireInFolder(this.folderJobId, peerUrl, signal);
  }

  /** Updates the row we hold; a lost lease throws "lease-lost". */
  async owned(patch: Parameters<typeof repo.updateOwnedDownload>[3]): Promise<void> {
    if (!(await repo.updateOwnedDownload(this.ctx.db, this.id, this.ctx.owner, patch, this.token))) {
      throw new DownloadError("lease-lost", "another worker took this job over, or it was cancelled");
    }
  }

  /**
   * Marks the row completed (the file is in place) and makes that commit durable before
   * anyone is told: a lost `completed` would download the file again after a power loss.
   * `destination`: where the file was put, when another name than the row's. @default unchanged
   */
  async complete(size: number, sha256: string | null, destination?: string): Promise<void> {
    const t = this.ctx.now();
    await this.owned({
      // `--rename` may have put the file under another name than the one queued.
      ...(destination === undefined ? {} : { destination }),
      status: "completed",
      committed_bytes: size,
      expected_sha256: sha256,
      error_code: null,
      error_message: null,
      lease_owner: null,
      lease_expires_at: null,
      completed_at: t,
      updated_at: t,
    });
    // If this fsync fails the row is still committed (a crash of this process keeps it);
    // after a power loss the re-drive recognises the file in place (findFinishedDownload).
    await makeCommitsDurable(this.ctx.db).catch(() => undefined);
  }

  /** Fails the row and says so. */
  async fail(r: DownloadRow, error: DownloadError): Promise<void> {
    const { ctx } = this;
    await repo.updateOwnedDownload(
      ctx.db,
      this.id,
      ctx.owner,
      { ...failPatch(error), updated_at: ctx.now() },
      this.token,
    );
    ctx.emit({ ...eventBase(r, ctx.now), type: "failed", error: errOf(error) });
  }

  /** Ends the claim after a cancel, a shutdown or a lost lease. */
  async settleCancel(r: DownloadRow, error: DownloadError): Promise<void> {
    const { ctx } = this;
    if (error.code === "cancelled") {
      ctx.emit({ ...eventBase(r, ctx.now), type: "cancelled" });
    } else if (error.code === "shutdown") {
      // Stopped cleanly: the row goes back to the queue; the part and the committed progress stay.
      const patch = { status: "queued" as const, lease_owner: null, lease_expires_at: null, updated_at: ctx.now() };
      await repo.updateOwnedDownload(ctx.db, this.id, ctx.owner, patch, this.token);
    }
    // lease-lost: the row is not ours any more; leave it alone.
  }

  /** Runs the final rename only while this claim still holds the row (owner and fencing token). */
  readonly guardRename = (rename: () => Promise<void>): Promise<boolean> => {
    const { ctx } = this;
    const fence = { id: this.id, owner: ctx.owner, token: this.token ?? -1, nowMs: ctx.now(), leaseMs: ctx.o.leaseMs };
    return repo.renameFenced(ctx.db, fence, rename);
  };

  /** Stops renewing, unlinks the signal, gives the slot back. */
  dispose(): void {
    clearInterval(this.renewTimer);
    this.signal.removeEventListener("abort", this.onAbort);
    this.releaseSlot();
  }
}

/** Emits the event matching a finished row (a job another process finished). */
export function emitTerminal(ctx: Pick<JobContext, "emit" | "now">, row: DownloadRow): void {
  const emit = ctx.emit;
  const b = eventBase(row, ctx.now);
  const error = { code: row.error_code ?? "unknown", message: row.error_message ?? "" };
  switch (row.status) {
    case "completed":
      emit({ ...b, type: "completed", ...completedFields(row) });
      break;
    case "failed":
      emit({ ...b, type: "failed", error });
      break;
    case "paused":
      emit({ ...b, type: "paused", error });
      break;
    case "cancelled":
      emit({ ...b, type: "cancelled" });
      break;
    default:
      break;
  }
}

/** What a completed row says was verified. */
export function completedFields(row: DownloadRow) {
  const piecesRoot = row.pieces_root ?? null;
  const verified: Verification =
    piecesRoot !== null ? "pieces root" : row.expected_sha256 !== null ? "sha256" : "size only";
  return {
    destination: row.destination,
    size: Number(row.committed_bytes),
    sha256: row.expected_sha256 ?? "",
    digestVerified: verified !== "size only",
    verified,
    piecesRoot,
  };
}
