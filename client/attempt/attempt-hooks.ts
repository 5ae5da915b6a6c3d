/**
 * The transfer's hooks of an attempt: row updates (only while the claim holds the lease)
 * and events, for the SHA-256 check ({@link sha256Hooks}) and the per-piece check
 * ({@link pieceHooks}). Both store a checkpoint the same way (committed bytes, and the
 * piece bitmap when there is one).
 */
import { DownloadError } from "../errors.js";
import { eventBase, type JobClaim } from "../job/claim.js";
import type { SourceBook } from "../sources/job-sources.js";
import { createProgressMeter } from "../events/progress-meter.js";
import type { DownloadRow } from "../store/download.table.js";
import type { StreamTap } from "../stream/stream-tap.js";
import type { Expected } from "../transfer/check-read-start.js";
import type { Checkpoint, TransferHooks, TransferStats } from "../transfer/transfer.js";
import type { PiecePlan } from "./attempt-types.js";
import { writesVerifying } from "./verifying-write.js";

/** Progress events at most every `progressIntervalMs`, and at the last byte. */
function progressEmitter(claim: JobClaim, r: DownloadRow, extra: () => object = () => ({})) {
  const { o, now, emit } = claim.ctx;
  const meter = createProgressMeter();
  let lastProgressAt = 0;
  return {
    meter,
    progress(bytes: number, size: number | null): void {
      const t = now();
      meter.add(t, bytes);
      if (t - lastProgressAt >= o.progressIntervalMs || bytes === size) {
        lastProgressAt = t;
        emit({ ...eventBase(r, now), type: "progress", bytes, size, ...meter.read(size), ...extra() });
      }
    },
  };
}

/** Stores a checkpoint: the committed bytes, and the bitmap with the per-piece check. */
function checkpointRow(at: Checkpoint) {
  return at.verified === null
    ? { committed_bytes: at.committed }
    : { committed_bytes: at.committed, pieces_verified: at.verified };
}

/** Hooks of the SHA-256 check: the row learns what the peer says (size, etag, digest) as it goes. */
export function sha256Hooks(
  claim: JobClaim,
  r: DownloadRow,
  state: { expected: Expected; live: { restarts: number } },
): TransferHooks {
  const { o, now, emit } = claim.ctx;
  const base = () => eventBase(r, now);
  const events = progressEmitter(claim, r);
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
      events.meter.add(now(), resumeFrom);
      const { size, etag } = meta;
      emit({ ...base(), type: "validated", size, etag, sha256: sha, piecesRoot: null, resumeFrom });
    },
    onRestart: async (reason) => {
      const restarts = ++state.live.restarts;
      if (restarts > o.maxRestarts) {
        throw new DownloadError("changed-too-often", `the file changed ${restarts} times during the download`);
      }
      await claim.owned({ committed_bytes: 0, restarts, updated_at: now() });
      emit({ ...base(), type: "restarted", reason, restarts });
    },
    onBytes: (position) => events.progress(position, state.expected.size),
    onCheckpoint: async (at) => {
      await claim.owned({ ...checkpointRow(at), updated_at: now() });
    },
    onVerifying: async (at) => {
      // One commit for the last checkpoint and the status change.
      await claim.owned({ status: "verifying", ...checkpointRow(at), updated_at: now() });
      emit({ ...base(), type: "verifying" });
    },
    // The slot goes to the next file while this one fsyncs (client/job/claim.ts).
    onFinalStep: () => claim.enterFinalStep(),
    // The rename runs only while our claim (owner + fencing token) still holds the row.
    guardRename: claim.guardRename,
  };
}

/** Hooks of the per-piece check: the row's bitmap, the sources' rows, and events with sources and readers. */
export function pieceHooks(
  claim: JobClaim,
  r: DownloadRow,
  plan: PiecePlan,
  book: SourceBook,
  stats: TransferStats,
  tap: StreamTap,
): TransferHooks {
  const { now, emit } = claim.ctx;
  const base = () => eventBase(r, now);
  const events = progressEmitter(claim, r, () => ({
    sources: stats.sources?.map((run) => run.snapshot()),
    reads: tap.readCount > 0 ? tap.snapshot() : undefined,
  }));
  return {
    onValidated: async (meta, resumeFrom) => {
      events.meter.add(now(), resumeFrom);
      const { size, etag } = meta;
      const sha256 = meta.sha256 ?? r.expected_sha256;
      emit({ ...base(), type: "validated", size, etag, sha256, piecesRoot: plan.rootHex, resumeFrom });
    },
    onPieceFailed: (index, source) => {
      emit({ ...base(), type: "piece-failed", index, source });
    },
    onBytes: (verifiedBytes) => events.progress(verifiedBytes, plan.size),
    onSourceBanned: async (run, reason) => {
      await book.banned(run, reason);
      emit({ ...base(), type: "source-banned", source: run.source.url, reason });
    },
    onSourceFailed: (run, error, decision) => book.failed(run, error, decision),
    onCheckpoint: async (at) => {
      await claim.owned({ ...checkpointRow(at), updated_at: now() });
      await book.flush(stats.sources);
    },
    onVerifying: async (at) => {
      if (writesVerifying(plan.verified.count))
        await claim.owned({ status: "verifying", ...checkpointRow(at), updated_at: now() });
      emit({ ...base(), type: "verifying" });
    },
    // The slot goes to the next file while this one fsyncs (client/job/claim.ts).
    onFinalStep: () => claim.enterFinalStep(),
    // The rename runs only while our claim (owner + fencing token) still holds the row.
    guardRename: claim.guardRename,
  };
}
