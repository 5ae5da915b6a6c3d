/**
 * One job's life in this process (downloads.md "Retries", "Process lifetime"):
 * take a slot, claim the lease (or wait while another process holds it), renew
 * it, run attempts, and turn each failure into retry, restart, pause or fail.
 */
import { setTimeout as sleep } from "node:timers/promises";
import type { Kysely } from "kysely";
import { classify, DownloadError } from "./errors.js";
import type { DownloadEvent, EventError } from "./download-events.js";
import type { ResolvedDownloadOptions } from "./options.js";
import type { PeerClient } from "./peer-client.js";
import { createProgressMeter } from "./progress-meter.js";
import { decideRetry, initialRetryState } from "./retry/backoff.js";
import type { Limiter } from "./scheduler/limiter.js";
import { makeCommitsDurable, type ClientDatabase } from "./store/database.js";
import { findFinishedDownload } from "./transfer/finished-download.js";
import * as repo from "./store/download.repository.js";
import { RUNNABLE_STATUSES, type DownloadRow } from "./store/download.table.js";
import { isLeaseOwnerDead } from "./store/lease.js";
import { httpSource } from "./transfer/http-source.js";
import type { TransferFs } from "./transfer/part-file.js";
import { chunkSizeAfterFailures, rpcSource } from "./transfer/rpc-source.js";
import { runTransfer, type TransferStats } from "./transfer/transfer.js";

/** A peer client and its (cached) handshake. */
export interface ClientEntry {
  readonly client: PeerClient;
  handshake?: Promise<unknown> | undefined;
}

/** What a job needs from its manager. @internal */
export interface JobContext {
  readonly db: Kysely<ClientDatabase>;
  /** This process's lease owner id. */
  readonly owner: string;
  readonly o: ResolvedDownloadOptions;
  readonly now: () => number;
  readonly random: () => number;
  readonly fs: TransferFs;
  readonly limiter: Limiter;
  /** The client for a row's peer, or undefined when no key is known for it. */
  clientFor(row: Pick<DownloadRow, "peer_url" | "transport" | "key_ref">): ClientEntry | undefined;
  emit(event: DownloadEvent): void;
}

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
  return { status: "failed" as const, ...errorPatch(e), lease_owner: null, lease_expires_at: null, next_attempt_at: null };
}

/** The patch that records an error. */
export function errorPatch(e: DownloadError) {
  return { error_code: e.code, error_message: e.message };
}

function numOrNull(v: number | null): number | null {
  return v === null ? null : Number(v);
}

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

/** One claim of a job: "lost" when another worker took the lease over. */
async function runOnce(ctx: JobContext, id: string, signal: AbortSignal): Promise<"done" | "lost"> {
  const { owner, o, now, random, fs, limiter, emit } = ctx;
  const d = ctx.db;
  const base = (row: { id: string; file_name: string }) => eventBase(row, now);
  let row = await repo.getDownloadRow(d, id);
  if (row === undefined) return "done";
  if (!RUNNABLE_STATUSES.includes(row.status)) {
    emitTerminal(ctx, row);
    return "done";
  }
  const entry = ctx.clientFor(row);
  if (entry === undefined) {
    const e = new DownloadError("no-key", `no key for ${row.peer_url}: pass --key or set PEER_KEY to the key this job was created with`);
    await repo.updateDownloadIfStatus(d, id, RUNNABLE_STATUSES, failPatch(e));
    emit({ ...base(row), type: "failed", error: errOf(e) });
    return "done";
  }
  let release: (() => void) | undefined;
  let renewTimer: NodeJS.Timeout | undefined;
  /** The fencing token of our claim: every write of the row and the final rename require it. */
  let token: number | undefined;
  const attemptCtl = new AbortController();
  const onAbort = () => attemptCtl.abort(signal.reason);
  signal.addEventListener("abort", onAbort, { once: true });
  try {
    // Claim: a slot first, then the lease; if another process holds the lease, wait and look again.
    for (;;) {
      release = await limiter.acquire(row.peer_url, signal);
      const deadOwner = row.lease_owner !== null && row.lease_owner !== owner && isLeaseOwnerDead(row.lease_owner) ? row.lease_owner : undefined;
      token = await repo.claimDownloadLease(d, { id, owner, nowMs: now(), leaseMs: o.leaseMs, deadOwner });
      if (token !== undefined) break;
      release();
      release = undefined;
      await sleep(o.pollMs, undefined, { signal });
      row = await repo.getDownloadRow(d, id);
      if (row === undefined) return "done";
      if (!RUNNABLE_STATUSES.includes(row.status)) {
        emitTerminal(ctx, row);
        return "done";
      }
    }
    // Self-fencing: when renewals fail (the database is unreachable) until our lease has surely
    // expired, stop writing the part: another worker may have claimed the job meanwhile.
    let leaseUntil = now() + o.leaseMs;
    renewTimer = setInterval(() => {
      const at = now();
      if (at >= leaseUntil) attemptCtl.abort(new DownloadError("lease-lost", "the lease expired: the database could not be reached to renew it"));
      repo.renewLease(d, id, owner, at, o.leaseMs, token).then(
        (ok) => {
          if (ok) leaseUntil = at + o.leaseMs;
          else attemptCtl.abort(new DownloadError("lease-lost", "another worker took this job over"));
        },
        () => undefined,
      );
    }, Math.max(50, Math.floor(o.leaseMs / 3)));
    renewTimer.unref();

    // Re-drive of a job whose completion commit was lost (power loss, or a crash between the
    // rename and the commit): its file is already in place; do not download it again.
    const finished = await findFinishedDownload(row).catch(() => undefined);
    if (finished !== undefined) {
      await complete(finished.size, finished.sha256 ?? row.expected_sha256);
      emit({ ...base(row), type: "completed", destination: row.destination, size: finished.size, sha256: finished.sha256 ?? row.expected_sha256 ?? "", digestVerified: finished.sha256 !== undefined });
      return "done";
    }

    let retryState = initialRetryState(now());
    let digestMismatches = 0;
    for (;;) {
      row = await repo.getDownloadRow(d, id);
      if (row === undefined) return "done";
      const r: DownloadRow = row;
      const attempt = Number(r.attempts) + 1;
      await owned({ status: "downloading", attempts: attempt, next_attempt_at: null, updated_at: now() });
      emit({ ...base(r), type: "started", attempt, resumeFrom: Number(r.committed_bytes) });
      const stats: TransferStats = { bytesWritten: 0 };
      const meter = createProgressMeter();
      let lastProgressAt = 0;
      let expected = { size: numOrNull(r.expected_size), etag: r.expected_etag, sha256: r.expected_sha256 };
      let restarts = Number(r.restarts);
      try {
        if (entry.handshake === undefined) entry.handshake = entry.client.handshake({ signal: attemptCtl.signal });
        await entry.handshake.catch((e: unknown) => {
          entry.handshake = undefined;
          throw e;
        });
        const result = await runTransfer(
          {
            itemId: r.item_id,
            partPath: r.part_path,
            destination: r.destination,
            expected,
            committed: Number(r.committed_bytes),
            chunkSize: chunkSizeAfterFailures(retryState.failures),
            openRead: entry.client.transport === "http" ? httpSource(entry.client) : rpcSource(entry.client),
            fetchDigest: async (sig) => {
              const item = await entry.client.statItem(r.item_id, { signal: sig });
              return { etag: item.etag, sha256: item.sha256 === "" ? undefined : item.sha256.toLowerCase() };
            },
            signal: attemptCtl.signal,
            idleTimeoutMs: o.idleTimeoutMs,
            checkpointBytes: o.checkpointBytes,
            checkpointMs: o.checkpointMs,
            maxFileSize: o.maxFileSize,
            fs,
            now,
            hooks: {
              onValidated: async (meta, resumeFrom) => {
                // Never carry a digest over to another version of the file.
                const sha = meta.sha256 ?? (meta.etag === expected.etag ? expected.sha256 : null);
                if (meta.size !== expected.size || meta.etag !== expected.etag || sha !== expected.sha256) {
                  expected = { size: meta.size, etag: meta.etag, sha256: sha };
                  await owned({ expected_size: meta.size, expected_etag: meta.etag, expected_sha256: sha, updated_at: now() });
                }
                meter.add(now(), resumeFrom);
                emit({ ...base(r), type: "validated", size: meta.size, etag: meta.etag, sha256: sha, resumeFrom });
              },
              onRestart: async (reason) => {
                restarts++;
                if (restarts > o.maxRestarts) throw new DownloadError("changed-too-often", `the file changed ${restarts} times during the download`);
                await owned({ committed_bytes: 0, restarts, updated_at: now() });
                emit({ ...base(r), type: "restarted", reason, restarts });
              },
              onBytes: (position) => {
                const t = now();
                meter.add(t, position);
                if (t - lastProgressAt >= o.progressIntervalMs || position === expected.size) {
                  lastProgressAt = t;
                  emit({ ...base(r), type: "progress", bytes: position, size: expected.size, ...meter.read(expected.size) });
                }
              },
              onCheckpoint: async (committed) => {
                await owned({ committed_bytes: committed, updated_at: now() });
              },
              guardRename: (rename) => repo.renameFenced(d, { id, owner, token: token ?? -1, nowMs: now(), leaseMs: o.leaseMs }, rename),
              onVerifying: async (committed) => {
                // One commit for the last checkpoint and the status change.
                await owned({ status: "verifying", committed_bytes: committed, updated_at: now() });
                emit({ ...base(r), type: "verifying" });
              },
            },
          },
          stats,
        );
        await complete(result.size, result.digestVerified ? result.sha256 : expected.sha256);
        emit({ ...base(r), type: "completed", destination: r.destination, size: result.size, sha256: result.sha256, digestVerified: result.digestVerified });
        return "done";
      } catch (caught) {
        const reason: unknown = attemptCtl.signal.aborted ? attemptCtl.signal.reason : undefined;
        let error = reason instanceof DownloadError ? reason : classify(caught, now());
        if (error.action === "cancel" && reason === undefined) {
          // CANCELED that we did not ask for: the transport closed the stream (an HTTP/2 RST_STREAM
          // CANCEL after a dropped connection). That is a network fault, not a user's cancel.
          error = new DownloadError("network", `the connection was closed: ${error.message}`, { cause: caught });
        }
        switch (error.action) {
          case "cancel":
            await settleCancel(r, error);
            return error.code === "lease-lost" ? "lost" : "done";
          case "pause":
            // A user's pause already wrote the row (and released the lease); a full disk did not.
            if (error.code !== "paused-by-user") {
              await owned({ status: "paused", ...errorPatch(error), lease_owner: null, lease_expires_at: null, updated_at: now() });
            }
            emit({ ...base(r), type: "paused", error: errOf(error) });
            return "done";
          case "restart": {
            if (error.code === "digest-mismatch") digestMismatches++;
            restarts++;
            const final =
              error.code === "digest-mismatch" && digestMismatches >= o.maxDigestMismatches
                ? new DownloadError("digest-mismatch-repeated", `the SHA-256 did not match ${digestMismatches} times; no file was put in place`, { cause: error })
                : restarts > o.maxRestarts
                  ? new DownloadError("changed-too-often", `the file changed ${restarts} times during the download`, { cause: error })
                  : undefined;
            if (final !== undefined) {
              await failJob(r, final);
              return "done";
            }
            // A changed file: forget the old validators and learn the new ones from the next read.
            // A digest mismatch: same validators, the bytes were bad; read them again.
            await owned({
              committed_bytes: 0,
              restarts,
              ...(error.code === "changed" ? { expected_size: null, expected_etag: null, expected_sha256: null } : {}),
              ...errorPatch(error),
              updated_at: now(),
            });
            emit({ ...base(r), type: "restarted", reason: error.message, restarts });
            continue;
          }
          case "fail":
            await failJob(r, error);
            return "done";
          case "retry": {
            const decision = decideRetry(retryState, error, stats.bytesWritten > 0, now(), o.backoff, random);
            retryState = decision.state;
            if (!decision.retry) {
              const final =
                decision.reason === "deadline"
                  ? new DownloadError("deadline", `the job's deadline passed; last error: ${error.message}`, { cause: error })
                  : new DownloadError("retries-exhausted", `gave up after ${retryState.failures} attempts without progress; last error: ${error.message}`, { cause: error });
              await failJob(r, final);
              return "done";
            }
            await owned({ ...errorPatch(error), next_attempt_at: now() + decision.delayMs, updated_at: now() });
            emit({ ...base(r), type: "retrying", attempt, delayMs: decision.delayMs, error: errOf(error) });
            // A sleeping job holds no slot.
            release?.();
            release = undefined;
            await sleep(decision.delayMs, undefined, { signal: attemptCtl.signal }).catch(() => undefined);
            if (attemptCtl.signal.aborted) {
              const why = attemptCtl.signal.reason;
              const reason = why instanceof DownloadError ? why : new DownloadError("shutdown", "stopped");
              await settleCancel(r, reason);
              return reason.code === "lease-lost" ? "lost" : "done";
            }
            release = await limiter.acquire(r.peer_url, attemptCtl.signal);
            continue;
          }
        }
      }
    }
  } catch (caught) {
    // Outside an attempt: aborted while waiting for a slot, a lease or a retry, or the lease was lost.
    const why = signal.aborted ? signal.reason : caught;
    const code = why instanceof DownloadError ? why.code : undefined;
    if (code === "lease-lost") return "lost";
    if (row !== undefined && code === "cancelled") emit({ ...base(row), type: "cancelled" });
    else if (row !== undefined && code === "paused-by-user" && why instanceof DownloadError) emit({ ...base(row), type: "paused", error: errOf(why) });
    else if (row !== undefined) {
      await repo.updateOwnedDownload(d, id, owner, { status: "queued", lease_owner: null, lease_expires_at: null }, token).catch(() => undefined);
    }
    return "done";
  } finally {
    clearInterval(renewTimer);
    signal.removeEventListener("abort", onAbort);
    release?.();
  }

  async function owned(patch: Parameters<typeof repo.updateOwnedDownload>[3]): Promise<void> {
    if (!(await repo.updateOwnedDownload(d, id, owner, patch, token))) {
      throw new DownloadError("lease-lost", "another worker took this job over, or it was cancelled");
    }
  }
  /**
   * Marks the row completed (the file is in place) and makes that commit durable before
   * anyone is told: a lost `completed` would download the file again after a power loss.
   */
  async function complete(size: number, sha256: string | null): Promise<void> {
    const t = now();
    await owned({
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
    await makeCommitsDurable(d).catch(() => undefined);
  }
  async function failJob(r: DownloadRow, error: DownloadError): Promise<void> {
    await repo.updateOwnedDownload(d, id, owner, { ...failPatch(error), updated_at: now() }, token);
    emit({ ...base(r), type: "failed", error: errOf(error) });
  }
  async function settleCancel(r: DownloadRow, error: DownloadError): Promise<void> {
    if (error.code === "cancelled") {
      emit({ ...base(r), type: "cancelled" });
    } else if (error.code === "shutdown") {
      // Stopped cleanly: the row goes back to the queue; the part and the committed offset stay.
      await repo.updateOwnedDownload(d, id, owner, { status: "queued", lease_owner: null, lease_expires_at: null, updated_at: now() }, token);
    }
    // lease-lost: the row is not ours any more; leave it alone.
  }
}


/** Emits the event matching a finished row (a job another process finished). */
export function emitTerminal(ctx: Pick<JobContext, "emit" | "now">, row: DownloadRow): void {
  const emit = ctx.emit;
  const b = eventBase(row, ctx.now);
  const error = { code: row.error_code ?? "unknown", message: row.error_message ?? "" };
  switch (row.status) {
    case "completed":
      emit({ ...b, type: "completed", destination: row.destination, size: Number(row.committed_bytes), sha256: row.expected_sha256 ?? "", digestVerified: row.expected_sha256 !== null });
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

/** Start-up housekeeping: free leases of dead local processes, then resolve duplicate destinations. */
