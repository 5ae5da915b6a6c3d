/** Inputs, hooks and results of the piece transfer (client/transfer/piece-transfer.ts). */
import type { Bitmap } from "../pieces/bitmap.js";
import type { OnExisting } from "./existing-policy.js";
import type { PieceDeadline } from "../pieces/read-priority.js";
import type { HashPool } from "../pieces/hash-pool.js";
import type { DownloadError } from "../errors.js";
import type { BackoffOptions } from "../retry/backoff.js";
import type { SourceFailureDecision } from "../retry/source-failure.js";
import type { TransferFs } from "./part-file.js";
import type { ReadMeta } from "./read-source.js";
import type { SourceRun, TransferSource } from "./source-run.js";
import type { TransferStats } from "./transfer.js";

/** What the attempt reports (hooks may write the job row). */
export interface PieceHooks {
  /** The first read was accepted. `verifiedBytes` are already verified. */
  onValidated(meta: ReadMeta, verifiedBytes: number): Promise<void>;
  /** A piece failed its hash (`source` sent it: its URL, or "disk" for a damaged part). */
  onPieceFailed(index: number, source: string): void;
  /** A source sent a piece that failed its hash (or another file's size) while another source remains: banned. */
  onSourceBanned(run: SourceRun, reason: string): Promise<void>;
  /** A source's read failed; the attempt goes on with the others unless `decision` ends it. */
  onSourceFailed(run: SourceRun, error: DownloadError, decision: SourceFailureDecision): void;
  /** Verified bytes in hand (written or about to be). */
  onBytes(verifiedBytes: number): void;
  /**
   * The pieces in `verified` (base64 bitmap) are fsync'ed: store them, with `prefixBytes`, the
   * bytes of the run of verified pieces from 0 (the committed offset of the whole-file path).
   */
  onCheckpoint(verified: string, prefixBytes: number): Promise<void>;
  /** Every piece is verified and fsync'ed: store them and the status "verifying". */
  onVerifying(verified: string, size: number): Promise<void>;
  /** Runs the final rename while the job is still ours (the fencing check). @default unguarded */
  guardRename?: ((rename: () => Promise<void>) => Promise<boolean>) | undefined;
}

/** The pieces layout of an attempt, as readers of the download see it. */
export interface SteerLayout {
  readonly size: number;
  readonly pieceLength: number;
  /** The pieces root (64 hex): the stream's validator. */
  readonly rootHex: string;
}

/**
 * Readers of the download while it runs (client/stream/stream-tap.ts): they steer the
 * schedule (urgent pieces first) and are told which pieces they may read.
 */
export interface PieceSteer {
  /** The attempt starts; `readableAtStart` says which pieces are verified and on disk already. */
  begin(layout: SteerLayout, readableAtStart: (index: number) => boolean): void;
  /** A piece is verified and its bytes are in the part file. */
  pieceReadable(index: number): void;
  /** The part is about to be truncated (the file changed). */
  forget(reason: string): void;
  /** Urgent pieces now, earliest deadline first (read-priority.ts). */
  urgent(): readonly PieceDeadline[];
  /** Subscribes to changes of the urgent pieces; returns the unsubscribe function. */
  onSteer(listener: () => void): () => void;
}

/** Inputs of one attempt. */
export interface PieceTransferParams {
  readonly partPath: string;
  readonly destination: string;
  /** What the final step does when the destination exists (part-file.ts `placePart`). @default "refuse" */
  readonly onExisting?: OnExisting | undefined;
  readonly size: number;
  /** The job's etag (its primary peer's), reported when the first read is accepted. */
  readonly etag: string;
  readonly root: Uint8Array;
  readonly pieceLength: number;
  readonly layer: readonly Uint8Array[];
  /** Pieces the row records as verified (fsync'ed by an earlier attempt). */
  readonly verified: Bitmap;
  /** Recorded pieces to re-check from disk in the background (those an earlier process wrote). */
  readonly recheck: (index: number) => boolean;
  /** Where pieces come from (at least one; the job's own peer first). */
  readonly sources: readonly TransferSource[];
  /** Per-source backoff between failed reads (multi-source jobs). */
  readonly backoff: Pick<BackoffOptions, "baseMs" | "capMs" | "maxHintMs">;
  /** Random in [0, 1) for the backoff's jitter. @default Math.random */
  readonly random?: () => number;
  readonly signal: AbortSignal;
  readonly idleTimeoutMs: number;
  readonly checkpointBytes: number;
  readonly checkpointMs: number;
  readonly maxFileSize: number;
  readonly fs: TransferFs;
  readonly now: () => number;
  readonly pool: HashPool;
  readonly hooks: PieceHooks;
  /** Readers of the download while it runs (urgent pieces, readable pieces). @default none */
  readonly steer?: PieceSteer | undefined;
  /** The pieces root as hex (the stream's validator). @default "" */
  readonly rootHex?: string;
  /** A piece failing this many times in one attempt ends it ("bad-pieces"). @default 2 */
  readonly maxFailuresPerPiece?: number;
  /** Pieces failing in one attempt before it ends ("bad-pieces"). @default 4 */
  readonly maxBadPieces?: number;
}

/** Result of a successful attempt. */
export interface PieceTransferResult {
  readonly size: number;
  /** Pieces read from disk and checked (partly written, or re-checked after a restart of the process). */
  readonly checkedOnDisk: number;
  /** Pieces read again after failing their hash. */
  readonly refetched: number;
  /** Where the file was put (another name than the destination after `--rename`). */
  readonly destination: string;
}

/** Counters readable even when the attempt throws. */
export interface PieceStats extends TransferStats {
  /** Pieces verified and fsync'ed when the attempt ended (what the row holds). */
  verified?: Bitmap;
  /** Pieces this attempt wrote itself or found good on disk (no need to re-check them in this process). */
  confirmed?: Bitmap;
  /** The sources' states (set when the attempt starts). */
  sources?: readonly SourceRun[];
}
