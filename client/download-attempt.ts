/**
 * One attempt of a claimed job: the handshake, then a transfer whose hooks keep the job
 * row and the events in step with it (validated, restarted, progress, checkpoints,
 * verifying). Returns what was put in place; throws what the attempt failed with.
 */
import { createProgressMeter } from "./events/progress-meter.js";
import { classify, DownloadError } from "./errors.js";
import { jobSourceRows } from "./sources/job-sources.js";
import { eventBase, type JobClaim } from "./job/claim.js";
import type { DownloadRow } from "./store/download.table.js";
import { httpSource } from "./transfer/http-source.js";
import { chunkSizeAfterFailures, rpcSource } from "./transfer/rpc-source.js";
import { runTransfer, type TransferHooks, type TransferResult, type TransferStats } from "./transfer/transfer.js";
import type { Expected } from "./transfer/check-read-start.js";
import type { Verification } from "./events/download-events.js";
import { planPieces, runPieceAttempt } from "./pieces-attempt.js";

/** Input of {@link runAttempt}. */
export interface AttemptInput {
  readonly claim: JobClaim;
  /** The row as read at the start of the attempt. */
  readonly row: DownloadRow;
  /** Failed attempts in a row without progress (smaller RPC messages after each). */
  readonly failures: number;
  /** Filled while the attempt runs; read even when it throws. */
  readonly stats: TransferStats;
  /** Restarts so far (stored in the row); a restart inside the attempt adds to it. */
  readonly live: { restarts: number };
}

/** What an attempt put in place. */
export interface AttemptResult {
  readonly size: number;
  /** The SHA-256 to store with the job (computed and matched, or the peer's for this etag), if any. */
  readonly sha256: string | null;
  /** The SHA-256 computed over the bytes, when the whole-file path ran. */
  readonly computedSha256: string | undefined;
  readonly verified: Verification;
  readonly piecesRoot: string | null;
  /** Where the file was put (another name than the row's destination after `--rename`). */
  readonly destination: string;
}

/**
 * Runs one attempt to a file in place: verified piece by piece when the peer gives a pieces
 * root and its piece layer, else the whole-file path (prefix + SHA-256).
 */
export async function runAttempt(a: AttemptInput): Promise<AttemptResult> {
  const { claim, row: r } = a;
  const { entry } = claim;
  const signal = claim.attemptCtl.signal;
  if (entry.handshake === undefined) entry.handshake = entry.client.handshake({ signal });
  try {
    await entry.handshake;
  } catch (e) {
    entry.handshake = undefined;
    if (!(await otherPeersCanServe(claim, r, e))) throw e;
  }
  const plan = claim.ctx.o.verifyPieces ? await planPieces(claim, r, signal) : undefined;
  if (plan !== undefined) return runPieceAttempt(a, plan);
  if (r.pieces_verified !== null && r.pieces_verified !== undefined) {
    // The whole-file path keeps only the verified prefix (committed_bytes): forget the bitmap,
    // so it never claims pieces past the part it truncates.
    await claim.owned({ pieces_verified: null, updated_at: claim.ctx.now() });
  }
  const result = await runWholeFile(a);
  return {
    size: result.size,
    sha256: result.digestVerified ? result.sha256 : r.expected_sha256,
    computedSha256: result.sha256,
    verified: result.digestVerified ? "sha256" : "size only",
    piecesRoot: null,
    destination: result.destination,
  };
}

/** The whole-file path: prefix + SHA-256 (a peer without roots). */
function runWholeFile(a: AttemptInput): Promise<TransferResult> {
  const { claim, row: r } = a;
  const { entry, ctx } = claim;
  const signal = claim.attemptCtl.signal;
  const state = { expected: expectedOf(r), live: a.live };
  return runTransfer(
    {
      itemId: r.item_id,
      partPath: r.part_path,
      destination: r.destination,
      onExisting: r.on_existing,
      expected: state.expected,
      committed: Number(r.committed_bytes),
      chunkSize: chunkSizeAfterFailures(a.failures),
      openRead: entry.client.transport === "http" ? httpSource(entry.client) : rpcSource(entry.client),
      fetchDigest: async (sig) => {
        const item = await entry.client.statItem(r.item_id, { signal: sig });
        return { etag: item.etag, sha256: item.sha256 === "" ? undefined : item.sha256.toLowerCase() };
      },
      signal,
      idleTimeoutMs: ctx.o.idleTimeoutMs,
      checkpointBytes: ctx.o.checkpointBytes,
      checkpointMs: ctx.o.checkpointMs,
      maxFileSize: ctx.o.maxFileSize,
      fs: ctx.fs,
      now: ctx.now,
      hooks: attemptHooks(claim, r, state),
    },
    a.stats,
  );
}

/** The validators a row expects. */
export function expectedOf(r: DownloadRow): Expected {
  return {
    size: r.expected_size === null ? null : Number(r.expected_size),
    etag: r.expected_etag,
    sha256: r.expected_sha256,
  };
}

/** The transfer's hooks: row updates (only while we hold the lease) and events. */
function attemptHooks(
  claim: JobClaim,
  r: DownloadRow,
  state: { expected: Expected; live: { restarts: number } },
): TransferHooks {
  const { ctx } = claim;
  const { o, now, emit } = ctx;
  const base = () => eventBase(r, now);
  const meter = createProgressMeter();
  let lastProgressAt = 0;
  return {
    onValidated: async (meta, resumeFrom) => {
      // Never carry a digest over to another version of the file.
      const ex = state.expected;
      const sha = meta.sha256 ?? (meta.etag === ex.etag ? ex.sha256 : null);
      if (meta.size !== ex.size || meta.etag !== ex.etag || sha !== ex.sha256) {
        state.expected = { size: meta.size, etag: meta.etag, sha256: sha };
        await claim.owned({
          expected_size: meta.size,
          expected_etag: meta.etag,
          expected_sha256: sha,
          updated_at: now(),
        });
      }
      meter.add(now(), resumeFrom);
      emit({
        ...base(),
        type: "validated",
        size: meta.size,
        etag: meta.etag,
        sha256: sha,
        piecesRoot: null,
        resumeFrom,
      });
    },
    onRestart: async (reason) => {
      const restarts = ++state.live.restarts;
      if (restarts > o.maxRestarts) {
        throw new DownloadError("changed-too-often", `the file changed ${restarts} times during the download`);
      }
      await claim.owned({ committed_bytes: 0, restarts, updated_at: now() });
      emit({ ...base(), type: "restarted", reason, restarts });
    },
    onBytes: (position) => {
      const t = now();
      meter.add(t, position);
      const size = state.expected.size;
      if (t - lastProgressAt >= o.progressIntervalMs || position === size) {
        lastProgressAt = t;
        emit({ ...base(), type: "progress", bytes: position, size, ...meter.read(size) });
      }
    },
    onCheckpoint: async (committed) => {
      await claim.owned({ committed_bytes: committed, updated_at: now() });
    },
    onVerifying: async (committed) => {
      // One commit for the last checkpoint and the status change.
      await claim.owned({ status: "verifying", committed_bytes: committed, updated_at: now() });
      emit({ ...base(), type: "verifying" });
    },
    // The rename runs only while our claim (owner + fencing token) still holds the row.
    guardRename: claim.guardRename,
  };
}

/**
 * True when the job's own peer is away (a passing fault) but the job knows its pieces root and
 * has another peer: the attempt goes on without it (docs/downloads.md "Scheduling").
 */
async function otherPeersCanServe(claim: JobClaim, r: DownloadRow, e: unknown): Promise<boolean> {
  if (classify(e).action !== "retry" || r.pieces_root === null || !claim.ctx.o.verifyPieces) return false;
  const rows = await jobSourceRows(claim, r);
  return rows.some((s) => s.kind === "peer" && s.url !== r.peer_url && s.banned_reason === null);
}
