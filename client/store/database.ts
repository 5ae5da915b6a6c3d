/**
 * Opens the client's job database: `<dataDir>/downloads.db` (SQLite, WAL, a busy
 * timeout; several `peer` processes share one file), or a PostgreSQL database
 * when `databaseUrl` is a `postgres://` URL (several machines share one queue).
 * The opener and the migration lock are the ones the server uses (common/store/).
 */
import { closeSync, openSync } from "node:fs";
import path from "node:path";
import type { Kysely } from "kysely";
import { openSqliteStoreFile, openStore } from "../../common/store/open-store.js";
import type { SqliteFile } from "../../common/store/sqlite-file.js";
import type { DownloadTable } from "./download.table.js";
import type { DownloadSourceTable } from "./download-source.table.js";
import type { DownloadFolderFileTable, DownloadFolderTable } from "./download-folder.table.js";
import { clientMigrationProvider } from "./migrations/index.js";
import { createSyncGroup } from "../../common/files/sync-group.js";
import { fsyncFd } from "../../common/files/fsync-fd.js";

/** The client schema. */
export interface ClientDatabase {
  download: DownloadTable;
  download_source: DownloadSourceTable;
  download_folder: DownloadFolderTable;
  download_folder_file: DownloadFolderFileTable;
}

/** File name of the job database inside the data directory. */
export const DOWNLOADS_DATABASE_FILE = "downloads.db";

/** How long a writer waits for another process's lock, in ms. @default 10000 */
export const CLIENT_BUSY_TIMEOUT_MS = 10_000;

/** Where the job database is. */
export interface DownloadsDatabaseOptions {
  /** `postgres://…` for a shared queue; absent or empty keeps SQLite in the data dir. @default undefined */
  databaseUrl?: string | undefined;
}

const store = {
  label: "downloads",
  name: "client",
  provider: clientMigrationProvider,
  busyTimeoutMs: CLIENT_BUSY_TIMEOUT_MS,
  onSqlite: rememberWal,
} as const;

/**
 * Opens (creating) `<dataDir>/downloads.db`, or the PostgreSQL database of `options.databaseUrl`,
 * and migrates it. Close with `db.destroy()`.
 */
export async function openDownloadsDatabase(
  dataDir: string,
  options: DownloadsDatabaseOptions = {},
): Promise<Kysely<ClientDatabase>> {
  return openStore<ClientDatabase>({
    ...store,
    dataDir,
    databaseUrl: options.databaseUrl,
    sqliteFile: DOWNLOADS_DATABASE_FILE,
  });
}

/** Opens a database at an exact file name (`":memory:"` in tests) and migrates it. @internal */
export async function openDownloadsDatabaseFile(filename: string): Promise<Kysely<ClientDatabase>> {
  return openSqliteStoreFile<ClientDatabase>(filename, store);
}

/**
 * synchronous = NORMAL in WAL mode (set by the opener): a commit is written to the WAL but not
 * fsynced, so the event loop is not blocked ≈2 ms per commit (a small file makes several). A
 * crash of the process loses nothing; a power loss may lose the last commits but never corrupts
 * the file. Losing a committed offset is safe (the part is truncated to the older one on resume);
 * the commits that must survive (`completed` after the rename) call {@link makeCommitsDurable},
 * which fsyncs the WAL off the event loop. On PostgreSQL every commit is durable already.
 */
function rememberWal(file: SqliteFile<unknown>): void {
  const { sqlite } = file;
  if (sqlite.memory || String(sqlite.pragma("journal_mode", { simple: true })).toLowerCase() !== "wal") return;
  walFiles.set(file.db as Kysely<ClientDatabase>, { file: path.resolve(sqlite.name), dirSynced: false });
}

/** Main database file of each WAL-mode database opened here (for {@link makeCommitsDurable}). */
const walFiles = new WeakMap<Kysely<ClientDatabase>, { readonly file: string; dirSynced: boolean }>();

/**
 * Makes every commit this database has returned from durable against power loss: fsyncs
 * its WAL file (and, once, its directory, so the WAL is found after a reboot) in the
 * thread pool, not on the event loop. If SQLite checkpointed meanwhile, the frames are
 * already durable (with `synchronous = NORMAL` a checkpoint syncs the WAL first). A no-op
 * for a database not opened by {@link openDownloadsDatabaseFile} in WAL mode (`:memory:`).
 * Group commit: callers at the same time (files of a folder finishing together) share one
 * fsync that started after they called (transfer/sync-group.ts), which covers their commits.
 */
export async function makeCommitsDurable(db: Kysely<ClientDatabase>): Promise<void> {
  const wal = walFiles.get(db);
  if (wal === undefined) return;
  await walSyncs.sync(`${wal.file}-wal`);
  // The WAL's directory entry once: it lives as long as this open connection.
  if (!wal.dirSynced) {
    await fsyncPath(path.dirname(wal.file), "r");
    wal.dirSynced = true;
  }
}

const walSyncs = createSyncGroup((walFile) => fsyncPath(walFile, "r"));

async function fsyncPath(p: string, flags: string): Promise<void> {
  // The open and the close are synchronous (microseconds; transfer/safe-fs.ts says why), the fsync is not.
  let fd: number;
  try {
    fd = openSync(p, flags);
  } catch (err) {
    // No WAL file: SQLite removed it after a checkpoint when the last connection closed
    // (then everything is in the main file, which SQLite synced).
    if ((err as { code?: unknown }).code === "ENOENT") return;
    throw err;
  }
  try {
    await fsyncFd(fd);
  } catch (err) {
    // Some filesystems refuse fsync on a directory; nothing more can be done there.
    const code = (err as { code?: unknown }).code;
    if (code !== "EINVAL" && code !== "EISDIR" && code !== "EPERM") throw err;
  } finally {
    closeSync(fd);
  }
}
