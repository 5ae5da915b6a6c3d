/**
 * The one parameters contract of the transfer engine (client/transfer/transfer.ts): the
 * part file, the disk and the timers every attempt shares, the hooks, and the check that
 * decides whether bytes are the file's — per piece against a BEP 52 piece layer, or a
 * running SHA-256 over the whole file checked at the end (docs/downloads.md "One attempt").
 */
import type { Bitmap } from "../pieces/bitmap.js";
import type { OnExisting } from "./existing-policy.js";
import type { PieceDeadline } from "../pieces/read-priority.js";
import type { HashPool } from "../pieces/hash-pool.js";
import type { DownloadError } from "../errors.js";
import type { BackoffOptions } from "../retry/backoff.js";
import type { SourceFailureDecision } from "../retry/source-failure.js";
import type { Expected } from "./check-read-start.js";
import type { TransferFs } from "./part-file.js";
import type { OpenRead, ReadMeta } from "./read-source.js";
import type { SourceRun, TransferSource } from "./source-run.js";

/** What a checkpoint or the final step records. */
export interface Checkpoint {
  /** Bytes of the run of good bytes from 0 (the whole-file path's resume point), fsync'ed. */
  readonly committed: number;
  /** The verified pieces (base64 bitmap) with the per-piece check; null with the SHA-256 check. */
  readonly verified: string | null;
}

/** What the attempt reports (hooks may write the job row). */
export interface TransferHooks {
  /** The first read was accepted; `meta` is what the peer says now; `resumeFrom` bytes are already good. */
  onValidated(meta: ReadMeta, resumeFrom: number): Promise<void>;
  /**
   * SHA-256 check: the peer sent the whole file from 0 instead of the range, so the part was
   * discarded. May throw to stop. @default nothing
   */
  onRestart?: ((reason: string) => Promise<void>) | undefined;
  /** Good bytes in hand (written or about to be) after each step. */
  onBytes(bytes: number): void;
  /** The bytes in `at` are fsync'ed: store them. */
  onCheckpoint(at: Checkpoint): Promise<void>;
  /**
   * Every byte is in and written (not yet fsynced): the attempt reads no more; what is left is
   * its final step (fsync, `verifying`, the rename, `completed`). @default nothing
   */
  onFinalStep?: (() => void) | undefined;
  /** Every byte is in and fsync'ed: store `at` and the status "verifying". */
  onVerifying(at: Checkpoint): Promise<void>;
  /** Per-piece check: a piece failed its hash (`source`: its URL, or "disk" for a damaged part). @default nothing */
  onPieceFailed?: ((index: number, source: string) => void) | undefined;
  /** Per-piece check: a source sent a bad piece while another remains: banned. @default nothing */
  onSourceBanned?: ((run: SourceRun, reason: string) => Promise<void>) | undefined;
  /** Per-piece check: a source's read failed; the attempt goes on unless `decision` ends it. @default nothing */
  onSourceFailed?: ((run: SourceRun, error: DownloadError, decision: SourceFailureDecision) => void) | undefined;
  /**
   * Runs the final rename while the job is still ours (the fencing check); resolves false, without
   * calling `rename`, when it is not. @default the rename runs unguarded
   */
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

/** Per-piece check (BEP 52, docs/pieces.md "Client engine"): every piece hashed against the layer. */
export interface PieceCheck {
  readonly kind: "pieces";
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
  readonly random?: (() => number) | undefined;
  readonly pool: HashPool;
  /** Readers of the download while it runs (urgent pieces, readable pieces). @default none */
  readonly steer?: PieceSteer | undefined;
  /** The pieces root as hex (the stream's validator). @default "" */
  readonly rootHex?: string | undefined;
  /** A piece failing this many times in one attempt ends it ("bad-pieces"). @default 2 */
  readonly maxFailuresPerPiece?: number | undefined;
  /** Pieces failing in one attempt before it ends ("bad-pieces"). @default 4 */
  readonly maxBadPieces?: number | undefined;
}

/** SHA-256 check (a peer with no pieces root yet): one read from the kept prefix, the digest checked at the end. */
export interface Sha256Check {
  readonly kind: "sha256";
  readonly itemId: string;
  /** What the row expects (size, etag and digest may still be unknown). */
  readonly expected: Expected;
  /** Bytes the row records as fsync'ed (the kept prefix, re-hashed before the read). */
  readonly committed: number;
  readonly openRead: OpenRead;
  /** Asks the peer for the item's digest at the end when it was unknown (it hashes in the background). @default none */
  readonly fetchDigest?: ((signal: AbortSignal) => Promise<{ etag: string; sha256: string | undefined }>) | undefined;
  /** RPC message size to ask for. @default the source's (1 MiB) */
  readonly chunkSize?: number | undefined;
}

/** The check an attempt runs (client/attempt/choose-check.ts picks it). */
export type TransferCheck = PieceCheck | Sha256Check;

/** Inputs of one attempt. */
export interface TransferOptions {
  readonly partPath: string;
  readonly destination: string;
  /** What the final step does when the destination exists (part-file.ts `placePart`). @default "refuse" */
  readonly onExisting?: OnExisting | undefined;
  /** Aborted by the manager (cancel, shutdown, lease lost) with a DownloadError reason. */
  readonly signal: AbortSignal;
  /** No bytes for this long while waiting on the network aborts the read. */
  readonly idleTimeoutMs: number;
  /** Checkpoint after this many bytes. */
  readonly checkpointBytes: number;
  /** Checkpoint after this long. */
  readonly checkpointMs: number;
  readonly maxFileSize: number;
  readonly fs: TransferFs;
  readonly now: () => number;
  readonly hooks: TransferHooks;
  readonly check: TransferCheck;
}

/** Result of a successful attempt. */
export interface TransferResult {
  readonly size: number;
  /** Where the file was put (another name than the destination after `--rename`). */
  readonly destination: string;
  /** SHA-256 check: the digest computed over the bytes; undefined with the per-piece check. */
  readonly sha256: string | undefined;
  /** SHA-256 check: true when the digest was compared with the peer's. */
  readonly digestVerified: boolean;
  /** Per-piece check: pieces read from disk and checked (partly written, or re-checked after a restart). */
  readonly checkedOnDisk: number;
  /** Per-piece check: pieces read again after failing their hash. */
  readonly refetched: number;
}

/** Counters readable even when the attempt throws. */
export interface TransferStats {
  /** Bytes written in this attempt (progress resets the retry budget). */
  bytesWritten: number;
  /** Per-piece check: pieces verified and fsync'ed when the attempt ended (what the row holds). */
  verified?: Bitmap;
  /** Per-piece check: pieces this attempt wrote itself or found good on disk (no re-check in this process). */
  confirmed?: Bitmap;
  /** Per-piece check: the sources' states (set when the attempt starts). */
  sources?: readonly SourceRun[];
}
