/**
 * The folder job tables (client migration 0006, docs/downloads.md "Folder jobs"): one
 * `download_folder` row per folder download (one per destination directory) and its manifest,
 * one `download_folder_file` row per file the peer listed.
 */
import type { ColumnType, Insertable, Selectable, Updateable } from "kysely";

/** SQLite returns integers as numbers; PostgreSQL's bigint comes back as a string. */
type Int = ColumnType<number, number, number>;

/** The `download_folder` table. */
export interface DownloadFolderTable {
  id: string;
  /** Peer base URL, key fingerprint (never the key) and transport of the last enqueue. */
  peer_url: string;
  key_ref: string;
  transport: string;
  /** The folder's item id (`<share>/<folder>`, no trailing `/`). */
  folder_item_id: string;
  /** The folder's name: the last component of its id, checked like a file name. */
  name: string;
  /** Absolute path of the folder on this machine (`<out>/<name>`); unique. */
  destination: string;
  /** 1 once the user cancelled it (its file jobs are cancelled; `retry` clears it). */
  cancelled: Int;
  created_at: Int;
  updated_at: Int;
}

/**
 * A manifest file's state: `job` (its file job downloads it, `download_id`), `reused` (copied from
 * an earlier download or a twin in the folder), `twin` (waits for an identical file of the folder),
 * `refused` (its path or size was refused, `reason`), `removed` (no longer listed upstream; left alone).
 */
export type FolderFileState = "job" | "reused" | "twin" | "refused" | "removed";

/** The `download_folder_file` table. */
export interface DownloadFolderFileTable {
  id: string;
  folder_job_id: string;
  /** Relative path under the folder (`/` separators), as checked by client/folder/relative-path.ts. */
  rel_path: string;
  item_id: string;
  size: Int;
  etag: string | null;
  pieces_root: string | null;
  state: FolderFileState;
  download_id: string | null;
  /** Why it was refused, where it was reused from, or when it was removed. */
  reason: string | null;
  created_at: Int;
  updated_at: Int;
}

/** A folder row as read. */
export type DownloadFolderRow = Selectable<DownloadFolderTable>;
/** A folder row to insert. */
export type NewDownloadFolderRow = Insertable<DownloadFolderTable>;
/** A manifest row as read. */
export type FolderFileRow = Selectable<DownloadFolderFileTable>;
/** A manifest row to insert. */
export type NewFolderFileRow = Insertable<DownloadFolderFileTable>;
/** A manifest patch. */
export type FolderFileUpdate = Updateable<DownloadFolderFileTable>;
