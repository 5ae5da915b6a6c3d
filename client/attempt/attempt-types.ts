/** What one attempt takes and gives back (attempt.ts runs it; pieces-plan.ts and attempt-hooks.ts build parts of it). */
import type { Verification } from "../events/download-events.js";
import type { JobClaim } from "../job/claim.js";
import type { Bitmap } from "../pieces/bitmap.js";
import type { CheckedLayer } from "../pieces/piece-layer-fetch.js";
import type { DownloadRow } from "../store/download.table.js";
import type { TransferCheck, TransferHooks, TransferResult, TransferStats } from "../transfer/transfer.js";

/** Input of an attempt. */
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
  /** The SHA-256 computed over the bytes, when the SHA-256 check ran. */
  readonly computedSha256: string | undefined;
  readonly verified: Verification;
  readonly piecesRoot: string | null;
  /** Where the file was put (another name than the row's destination after `--rename`). */
  readonly destination: string;
}

/** An attempt's check, prepared: what the transfer runs with, and how its result is read. */
export interface AttemptSetup {
  readonly check: TransferCheck;
  readonly hooks: TransferHooks;
  /** The attempt's result from the transfer's. */
  result(t: TransferResult): AttemptResult;
  /** Runs after the transfer, even when it threw (remember confirmed pieces, store the sources' rows). */
  done(): Promise<void>;
}

/** What a pieces attempt works from. */
export interface PiecePlan {
  readonly rootHex: string;
  readonly etag: string;
  readonly size: number;
  /** The whole file's SHA-256 as the row or the peer's StatItem gives it for this etag; null when unknown. */
  readonly sha256: string | null;
  readonly layer: CheckedLayer;
  readonly verified: Bitmap;
}
