/**
 * Opens the download service's own database: `<dataDir>/service.db` (SQLite),
 * or its tables in the PostgreSQL database of `--database` (its own migration
 * table, `peer_service_migration`). It holds what the service adds to the
 * engine's queue: the numbered state changes behind WatchDownloads cursors.
 */
import type { ColumnType, Kysely } from "kysely";
import { openStore } from "../../common/store/open-store.js";
import { serviceMigrationProvider } from "./migrations/index.js";

type Int = ColumnType<number, number, number>;

/** One state change of a download. */
export interface DownloadEventTable {
  /** 1, 2, 3…: the cursor of WatchDownloads. */
  seq: Int;
  download_id: string;
  /** The state entered (a download status, or `removed`). */
  state: string;
  /** Event time, ms since the epoch. */
  at: Int;
}

/** A download added through the qBittorrent API. */
export interface QbtTorrentTable {
  /** The download's id, or the folder job's id when `kind` is `folder`. */
  download_id: string;
  /** The hash the adding client computed (v1 info-hash, or the truncated v2 one), lower-case hex. */
  hash: string;
  name: string;
  category: string;
  /** Comma-separated. */
  tags: string;
  /** ms since the epoch. */
  added_on: Int;
  /** `file` (one download) or `folder` (a multi-file torrent: one folder job). */
  kind: ColumnType<string, string | undefined, string>;
  /** A folder torrent's files: JSON `[[path, size], …]`, paths below the torrent's name; `[]` for one file. */
  files: ColumnType<string, string | undefined, string>;
}

/** A qBittorrent category. */
export interface QbtCategoryTable {
  name: string;
  save_path: string;
}

/** A qBittorrent API sign-in (SID cookie): only the SHA-256 of the cookie is stored. */
export interface QbtSessionTable {
  token_hash: string;
  key_id: string;
  expires_at: Int;
}

/** The service's schema. */
export interface ServiceDatabase {
  download_event: DownloadEventTable;
  qbt_torrent: QbtTorrentTable;
  qbt_category: QbtCategoryTable;
  qbt_session: QbtSessionTable;
}

/** File name of the service database inside the data directory. */
export const SERVICE_DATABASE_FILE = "service.db";

/** Opens (creating and migrating) the service database; `db.destroy()` closes it. @default databaseUrl undefined: SQLite */
export async function openServiceDatabase(
  dataDir: string,
  databaseUrl: string | undefined,
): Promise<Kysely<ServiceDatabase>> {
  return openStore<ServiceDatabase>({
    label: "service",
    name: "service",
    provider: serviceMigrationProvider,
    busyTimeoutMs: 5000,
    dataDir,
    databaseUrl,
    sqliteFile: SERVICE_DATABASE_FILE,
    privateFile: true,
  });
}
