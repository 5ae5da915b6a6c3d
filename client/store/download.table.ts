/**
 * The job row of docs/downloads.md, as Kysely sees it (Kysely docs: `XTable`
 * interfaces, `Generated<>`, `T | null`, row aliases). Times are integers of
 * epoch milliseconds and sizes are integers (bigint columns), so the same
 * schema works on SQLite and PostgreSQL.
 */
import type { ColumnType, Generated, Insertable, Selectable, Updateable } from "kysely";

/** What a job does with a destination that exists: refuse (the default), replace it, or pick a free name. */
export type OnExisting = "refuse" | "overwrite" | "rename";

/** Job statuses. `queued → downloading → verifying → completed`; `failed`, `cancelled`, `paused`. */
export type DownloadStatus = "queued" | "downloading" | "verifying" | "completed" | "failed" | "cancelled" | "paused";

/** All statuses, in lifecycle order. */
export const DOWNLOAD_STATUSES: readonly DownloadStatus[] = [
  "queued",
  "downloading",
  "verifying",
  "completed",
  "failed",
  "cancelled",
  "paused",
];

/** Statuses that hold a destination: at most one such row per destination (a partial unique index). */
export const LIVE_STATUSES: readonly DownloadStatus[] = ["queued", "downloading", "verifying", "paused"];

/** Statuses a worker may claim. */
export const RUNNABLE_STATUSES: readonly DownloadStatus[] = ["queued", "downloading", "verifying"];

/** Statuses after which nothing happens without a user action. */
export const TERMINAL_STATUSES: readonly DownloadStatus[] = ["completed", "failed", "cancelled", "paused"];

/** SQLite returns integers as numbers; PostgreSQL's bigint comes back as a string. */
type Int = ColumnType<number, number, number>;

/** The `download` table. */
export interface DownloadTable {
  id: string;
  /** Peer base URL. */
  peer_url: string;
  /** `sha256:<16 hex>` fingerprint of the key used (never the key). */
  key_ref: string;
  /** Transport kind (connect, connect-h2, grpc, http). */
  transport: string;
  item_id: string;
  /** Plain basename, checked before the row was created. */
  file_name: string;
  /** Absolute path of the final file. */
  destination: string;
  /** Absolute path of the part file (same directory as the destination). */
  part_path: string;
  /** Null after a restart until the next read tells. */
  expected_size: Int | null;
  expected_etag: string | null;
  /** Lower-case hex, when the peer knows it. */
  expected_sha256: string | null;
  /** The durable offset: bytes fsync'ed in the part file. */
  committed_bytes: Int;
  status: DownloadStatus;
  /** Attempts made (all runs). */
  attempts: Int;
  /** Restarts from 0 because the file changed or the digest did not match. */
  restarts: Int;
  error_code: string | null;
  error_message: string | null;
  next_attempt_at: Int | null;
  lease_owner: string | null;
  lease_expires_at: Int | null;
  /** Fencing token: incremented by every claim; writes and the final rename require the claimer's. */
  lease_token: Generated<number>;
  created_at: Int;
  updated_at: Int;
  completed_at: Int | null;
  /** BEP 52 pieces root (64 lower-case hex) once known; null for a job still on the whole-file path. */
  pieces_root: ColumnType<string | null, string | null | undefined, string | null>;
  /** Piece length the bitmap counts in; null until a root is known. */
  piece_length: ColumnType<number | null, number | null | undefined, number | null>;
  /** Base64 bitmap of verified, fsync'ed pieces (bit i = piece i, high bit first); null until pieces are used. */
  pieces_verified: ColumnType<string | null, string | null | undefined, string | null>;
  /** What the job does when its destination exists: refuse, overwrite or rename (0005; default refuse). */
  on_existing: ColumnType<OnExisting, OnExisting | undefined, OnExisting>;
  /** The folder job this file belongs to (0006); null for a single download. */
  folder_job_id: ColumnType<string | null, string | null | undefined, string | null>;
  /** 1: fetch in order, the first and last pieces early (0007; `peer get --sequential`). */
  sequential: Generated<number>;
}

/** A row as read. */
export type DownloadRow = Selectable<DownloadTable>;
/** A row to insert. */
export type NewDownloadRow = Insertable<DownloadTable>;
/** A patch. */
export type DownloadRowUpdate = Updateable<DownloadTable>;
