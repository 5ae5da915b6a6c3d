/**
 * One job's life in this process (docs/downloads.md "Retries", "Process lifetime"):
 * take a slot, claim the lease (or wait while another process holds it), renew it, run
 * attempts, and carry out what retry/after-failure.ts decides after each failure.
 */
import { setTimeout as sleep } from "node:timers/promises";
import { classify, DownloadError } from "../errors.js";
import { runAttempt } from "../attempt/attempt.js";
import { emitTerminal, errOf, errorPatch, eventBase, failPatch, JobClaim } from "./claim.js";
import type { JobContext } from "./context.js";
import {
  attemptError,
  decideAfterFailure,
  type FailureCounters,
  type FailureDecision,
} from "../retry/after-failure.js";
import { initialRetryState } from "../retry/backoff.js";
import * as repo from "../store/download.repository.js";
import { RUNNABLE_STATUSES, type DownloadRow } from "../store/download.table.js";
import { settleExistingDestination } from "./destination.js";
import { finishLinkedPlacement } from "../transfer/safe-fs.js";
import { findFinishedDownload } from "../transfer/finished-download.js";
import type { TransferStats } from "../transfer/transfer.js";

export type { ClientEntry, JobContext } from "./context.js";
export { emitTerminal, errOf, errorPatch, eventBase, failPatch } from "./claim.js";

/**
 * Runs a job to a terminal state, or until `signal` aborts (cancel, pause, shutdown).
 * When another worker takes the job over, this one follows it (polling the row) until
 * it ends, so a waiting caller still learns the outcome.
 */
export async function runJob(ctx: JobContext, id: string, signal: AbortSignal): Promise<void> {
  while ((await runOnce(ctx, id, signal)) === "lost" && !signal.aborted) {
    await sleep(ctx.o.pollMs, undefined, { signal }).catch(() => undefined);
  }
}

type Outcome = "done" | "lost";

/** One claim of a job: "lost" when another worker took the lease over. */
async function runOnce(ctx: JobContext, id: string, signal: AbortSignal): Promise<Outcome> {
  const row = await runnableRow(ctx, id);
  if (row === undefined) return "done";
  const entry = ctx.clientFor(row);
  if (entry === undefined) {
    const e = new DownloadError(
      "no-key",
      `no key for ${row.peer_url}: pass --key or set PEER_KEY to the key this job was created with`,
    );
    await repo.updateDownloadIfStatus(ctx.db, id, RUNNABLE_STATUSES, failPatch(e));
    ctx.emit({ ...eventBase(row, ctx.now), type: "failed", error: errOf(e) });
    return "done";
  }
  const claim = new JobClaim(ctx, id, signal, entry);
  try {
    const claimed = await claim.claim(row);
    if (claimed === undefined) return "done";
    // A crash between the final link and the part's unlink leaves one file under two names.
    await finishLinkedPlacement(claimed.part_path, claimed.destination);
    // The claim made the row `downloading`: whether a run was interrupted is the status before it.
    if (await completeIfInPlace(claim, { ...claimed, status: claim.statusBefore ?? claimed.status })) return "done";
    if (await settleExistingDestination(claim, claimed)) return "done";
    return await attemptLoop(claim, claimed);
  } catch (caught) {
    return settleOutsideAttempt(claim, row, caught);
  } finally {
    claim.dispose();
  }
}

/** The row when it is runnable; otherwise emits its terminal event (if any) and returns undefined. */
async function runnableRow(ctx: JobContext, id: string): Promise<DownloadRow | undefined> {
  const row = await repo.getDownloadRow(ctx.db, id);
  if (row === undefined) return undefined;
  if (!RUNNABLE_STATUSES.includes(row.status)) {
    emitTerminal(ctx, row);
    return undefined;
  }
  return row;
}

/**
 * Re-drive of a job whose completion commit was lost (power loss, or a crash between the
 * rename and the commit): its file is already in place; do not download it again.
 */
async function completeIfInPlace(claim: JobClaim, row: DownloadRow): Promise<boolean> {
  const finished = await findFinishedDownload(row).catch(() => undefined);
  if (finished === undefined) return false;
  const sha256 = finished.sha256 ?? row.expected_sha256;
  await claim.complete(finished.size, sha256);
  const { ctx } = claim;
  const verified = finished.sha256 !== undefined ? "sha256" : row.pieces_root ? "pieces root" : "size only";
  ctx.emit({
    ...eventBase(row, ctx.now),
    type: "completed",
    destination: row.destination,
    size: finished.size,
    sha256: sha256 ?? "",
    digestVerified: verified !== "size only",
    verified,
    piecesRoot: row.pieces_root ?? null,
  });
  return true;
}

/**
 * Attempts until the job ends: each failure is decided by {@link decideAfterFailure}. The first
 * attempt was started by the claim (`claimed`: `downloading`, counted); the next ones read the
 * row and start themselves.
 */
async function attemptLoop(claim: JobClaim, claimed: DownloadRow): Promise<Outcome> {
  const { ctx } = claim;
  let counters: FailureCounters | undefined;
  let started: DownloadRow | undefined = claimed;
  for (;;) {
    // A failed final step gave the slot back (claim.enterFinalStep): the next attempt takes one.
    if (started === undefined && !claim.holdsSlot) await claim.reacquireSlot(claimed.peer_url);
    const r = started ?? (await startNextAttempt(claim));
    started = undefined;
    if (r === undefined) return "done";
    counters = {
      restarts: Number(r.restarts),
      digestMismatches: counters?.digestMismatches ?? 0,
      retry: counters?.retry ?? initialRetryState(ctx.now()),
    };
    const attempt = Number(r.attempts);
    ctx.emit({ ...eventBase(r, ctx.now), type: "started", attempt, resumeFrom: Number(r.committed_bytes) });
    const stats: TransferStats = { bytesWritten: 0 };
    const live = { restarts: counters.restarts };
    try {
      const result = await runAttempt({ claim, row: r, failures: counters.retry.failures, stats, live });
      const moved = result.destination !== r.destination ? result.destination : undefined;
      await claim.complete(result.size, result.sha256, moved);
      ctx.emit({
        ...eventBase(r, ctx.now),
        type: "completed",
        destination: result.destination,
        size: result.size,
        sha256: result.computedSha256 ?? result.sha256 ?? "",
        digestVerified: result.verified !== "size only",
        verified: result.verified,
        piecesRoot: result.piecesRoot,
      });
      return "done";
    } catch (caught) {
      const signal = claim.attemptCtl.signal;
      const error = attemptError(classify(caught, ctx.now()), signal.aborted ? signal.reason : undefined);
      const decided = decideAfterFailure({
        error,
        counters: { ...counters, restarts: live.restarts },
        progressed: stats.bytesWritten > 0,
        nowMs: ctx.now(),
        limits: ctx.o,
        random: ctx.random,
      });
      counters = decided.counters;
      const next = await carryOut(claim, r, attempt, decided.decision);
      if (next !== "again") return next;
    }
  }
}

/** Reads the row and marks the next attempt started (`downloading`, counted); undefined when the row is gone. */
async function startNextAttempt(claim: JobClaim): Promise<DownloadRow | undefined> {
  const { ctx } = claim;
  const r = await repo.getDownloadRow(ctx.db, claim.id);
  if (r === undefined) return undefined;
  const attempts = Number(r.attempts) + 1;
  const updated_at = ctx.now();
  await claim.owned({ status: "downloading", attempts, next_attempt_at: null, updated_at });
  return { ...r, status: "downloading", attempts, next_attempt_at: null, updated_at };
}

/** Does what was decided; "again" starts the next attempt. */
async function carryOut(
  claim: JobClaim,
  r: DownloadRow,
  attempt: number,
  d: FailureDecision,
): Promise<Outcome | "again"> {
  const { ctx } = claim;
  const base = eventBase(r, ctx.now);
  switch (d.kind) {
    case "cancel":
      await claim.settleCancel(r, d.error);
      return d.lost ? "lost" : "done";
    case "pause":
      // A user's pause already wrote the row (and released the lease); a full disk did not.
      if (!d.byUser)
        await claim.owned({
          status: "paused",
          ...errorPatch(d.error),
          lease_owner: null,
          lease_expires_at: null,
          updated_at: ctx.now(),
        });
      ctx.emit({ ...base, type: "paused", error: errOf(d.error) });
      return "done";
    case "fail":
      await claim.fail(r, d.error);
      return "done";
    case "restart": {
      const restarts = d.restarts;
      const forget = d.forgetValidators
        ? { expected_size: null, expected_etag: null, expected_sha256: null, pieces_root: null, piece_length: null }
        : {};
      const patch = {
        committed_bytes: 0,
        pieces_verified: null,
        restarts,
        ...forget,
        ...errorPatch(d.error),
        updated_at: ctx.now(),
      };
      claim.trustedPieces = undefined;
      await claim.owned(patch);
      ctx.emit({ ...base, type: "restarted", reason: d.error.message, restarts });
      return "again";
    }
    case "retry":
      return retryAfter(claim, r, attempt, d.error, d.delayMs);
  }
}

/** Records the failure, sleeps without holding a slot, then takes one again. */
async function retryAfter(
  claim: JobClaim,
  r: DownloadRow,
  attempt: number,
  error: DownloadError,
  delayMs: number,
): Promise<Outcome | "again"> {
  const { ctx } = claim;
  await claim.owned({ ...errorPatch(error), next_attempt_at: ctx.now() + delayMs, updated_at: ctx.now() });
  ctx.emit({ ...eventBase(r, ctx.now), type: "retrying", attempt, delayMs, error: errOf(error) });
  claim.releaseSlot();
  const signal = claim.attemptCtl.signal;
  await sleep(delayMs, undefined, { signal }).catch(() => undefined);
  if (signal.aborted) {
    const why = signal.reason;
    const reason = why instanceof DownloadError ? why : new DownloadError("shutdown", "stopped");
    await claim.settleCancel(r, reason);
    return reason.code === "lease-lost" ? "lost" : "done";
  }
  await claim.reacquireSlot(r.peer_url);
  return "again";
}

/** Outside an attempt: aborted while waiting for a slot, a lease or a retry, or the lease was lost. */
async function settleOutsideAttempt(claim: JobClaim, row: DownloadRow, caught: unknown): Promise<Outcome> {
  const { ctx } = claim;
  const why = claim.signal.aborted ? claim.signal.reason : caught;
  const code = why instanceof DownloadError ? why.code : undefined;
  if (code === "lease-lost") return "lost";
  if (code === "cancelled") ctx.emit({ ...eventBase(row, ctx.now), type: "cancelled" });
  else if (code === "paused-by-user" && why instanceof DownloadError)
    ctx.emit({ ...eventBase(row, ctx.now), type: "paused", error: errOf(why) });
  else
    await repo
      .updateOwnedDownload(
        ctx.db,
        claim.id,
        ctx.owner,
        { status: "queued", lease_owner: null, lease_expires_at: null },
        claim.token,
      )
      .catch(() => undefined);
  return "done";
}
