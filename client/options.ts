/** Options of the download manager, their defaults, and one resolver (one rule, one place). */
import type { Kysely } from "kysely";
import type { ClientDatabase } from "./store/database.js";
import { DEFAULT_BACKOFF, type BackoffOptions } from "./retry/backoff.js";
import type { TransferFs } from "./transfer/part-file.js";
import type { PeerClient, PeerClientOptions, TransportKind } from "./rpc/peer-client.js";

/** Options of {@link createDownloadManager}. */
export interface DownloadManagerOptions {
  /** Directory of `downloads.db` (job state). Either this or `db`. */
  dataDir?: string;
  /**
   * PostgreSQL URL (`postgres://…`) of a job queue shared by several machines; absent or empty
   * keeps SQLite in `dataDir`. @default undefined
   */
  databaseUrl?: string;
  /** Name of this worker in lease owners (`<name>@<host>/<pid>/<nonce>`). @default none */
  workerName?: string;
  /** An open, migrated database (the manager does not close it). */
  db?: Kysely<ClientDatabase>;
  /** Where files go when `enqueue` names no directory; also the root `delete` may remove files under. @default process.cwd() */
  downloadDir?: string;
  /** Downloads at once. @default 3 */
  concurrency?: number;
  /** Downloads at once from one peer. @default 2 */
  perPeer?: number;
  /** Files of one folder job at once; the folder takes one download slot (docs/downloads.md "Folder jobs"). @default 8 */
  folderFiles?: number;
  /** Transport for new jobs. @default "connect" */
  transport?: TransportKind;
  /** Abort an attempt after this long without bytes (only while waiting on the network). @default 60000 */
  idleTimeoutMs?: number;
  /** fsync and record progress after this many bytes. @default 67108864 (64 MiB) */
  checkpointBytes?: number;
  /** fsync and record progress after this long. @default 10000 */
  checkpointMs?: number;
  /** Retry policy. @default DEFAULT_BACKOFF (1 s base, 30 min cap, 13 attempts) */
  backoff?: Partial<BackoffOptions>;
  /** Restarts from 0 (file changed) before the job fails. @default 3 */
  maxRestarts?: number;
  /** Digest mismatches before the job fails. @default 2 */
  maxDigestMismatches?: number;
  /**
   * Check every piece against the peer's BEP 52 pieces root when it has one (docs/pieces.md);
   * `false` keeps the whole-file path (prefix + SHA-256 at the end) for every job. @default true
   */
  verifyPieces?: boolean;
  /** Largest file accepted. @default 107374182400 (100 GiB) */
  maxFileSize?: number;
  /** Lease length; renewed every third of it. @default 30000 */
  leaseMs?: number;
  /** How often to look again at a job another process holds. @default 1000 */
  pollMs?: number;
  /** Minimum time between two progress events of a job. @default 250 */
  progressIntervalMs?: number;
  /** API keys for re-driving stored jobs (matched by fingerprint, never stored). */
  keys?: readonly string[];
  /** The write layer (tests simulate a full disk with it). */
  fs?: TransferFs;
  /** Clock. @default Date.now */
  now?: () => number;
  /** Random in [0, 1) for backoff jitter. @default Math.random */
  random?: () => number;
  /** Makes peer clients (tests). @default createPeerClient */
  createClient?: (options: PeerClientOptions) => PeerClient;
}

/** Defaults. */
export const DOWNLOAD_DEFAULTS = Object.freeze({
  concurrency: 3,
  perPeer: 2,
  folderFiles: 8,
  transport: "connect" as TransportKind,
  idleTimeoutMs: 60_000,
  checkpointBytes: 64 * 1024 * 1024,
  checkpointMs: 10_000,
  maxRestarts: 3,
  maxDigestMismatches: 2,
  maxFileSize: 100 * 1024 ** 3,
  verifyPieces: true,
  leaseMs: 30_000,
  pollMs: 1000,
  progressIntervalMs: 250,
});

function positiveInt(name: string, value: number | undefined, fallback: number): number {
  const v = value ?? fallback;
  if (!Number.isSafeInteger(v) || v < 1)
    throw new RangeError(`${name} must be a positive whole number, got ${String(value)}`);
  return v;
}

/** Fills defaults, range-checks, freezes. */
export function resolveDownloadOptions(o: DownloadManagerOptions) {
  return Object.freeze({
    concurrency: positiveInt("concurrency", o.concurrency, DOWNLOAD_DEFAULTS.concurrency),
    perPeer: positiveInt("perPeer", o.perPeer, DOWNLOAD_DEFAULTS.perPeer),
    folderFiles: positiveInt("folderFiles", o.folderFiles, DOWNLOAD_DEFAULTS.folderFiles),
    transport: o.transport ?? DOWNLOAD_DEFAULTS.transport,
    idleTimeoutMs: positiveInt("idleTimeoutMs", o.idleTimeoutMs, DOWNLOAD_DEFAULTS.idleTimeoutMs),
    checkpointBytes: positiveInt("checkpointBytes", o.checkpointBytes, DOWNLOAD_DEFAULTS.checkpointBytes),
    checkpointMs: positiveInt("checkpointMs", o.checkpointMs, DOWNLOAD_DEFAULTS.checkpointMs),
    backoff: Object.freeze({ ...DEFAULT_BACKOFF, ...o.backoff }),
    maxRestarts: positiveInt("maxRestarts", o.maxRestarts, DOWNLOAD_DEFAULTS.maxRestarts),
    maxDigestMismatches: positiveInt(
      "maxDigestMismatches",
      o.maxDigestMismatches,
      DOWNLOAD_DEFAULTS.maxDigestMismatches,
    ),
    maxFileSize: positiveInt("maxFileSize", o.maxFileSize, DOWNLOAD_DEFAULTS.maxFileSize),
    verifyPieces: o.verifyPieces ?? DOWNLOAD_DEFAULTS.verifyPieces,
    leaseMs: positiveInt("leaseMs", o.leaseMs, DOWNLOAD_DEFAULTS.leaseMs),
    pollMs: positiveInt("pollMs", o.pollMs, DOWNLOAD_DEFAULTS.pollMs),
    progressIntervalMs: positiveInt("progressIntervalMs", o.progressIntervalMs, DOWNLOAD_DEFAULTS.progressIntervalMs),
  });
}

/** Resolved options. */
export type ResolvedDownloadOptions = ReturnType<typeof resolveDownloadOptions>;
