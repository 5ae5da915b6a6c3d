/**
 * Opens the client's job database: `<dataDir>/downloads.db`, better-sqlite3
 * through Kysely, WAL (readers never block the writer; several `peer`
 * processes share one file), a busy timeout, and the migrations on open.
 */
import { type FileHandle, mkdir, open } from "node:fs/promises";
import path from "node:path";
import Database from "better-sqlite3";
import { Kysely, Migrator, SqliteDialect } from "kysely";
import type { DownloadTable } from "./download.table.js";
import { clientMigrationProvider } from "./migrations/index.js";

/** The client schema. */
export interface ClientDatabase {
  download: DownloadTable;
}

/** File name of the job database inside the data directory. */
export const DOWNLOADS_DATABASE_FILE = "downloads.db";

/** How long a writer waits for another process's lock, in ms. @default 10000 */
export const CLIENT_BUSY_TIMEOUT_MS = 10_000;

/** Opens (creating) `<dataDir>/downloads.db` and migrates it. Close with `db.destroy()`. */
export async function openDownloadsDatabase(dataDir: string): Promise<Kysely<ClientDatabase>> {
  await mkdir(dataDir, { recursive: true, mode: 0o700 });
  return openDownloadsDatabaseFile(path.join(dataDir, DOWNLOADS_DATABASE_FILE));
}

/** Opens a database at an exact file name (`":memory:"` in tests) and migrates it. @internal */
export async function openDownloadsDatabaseFile(filename: string): Promise<Kysely<ClientDatabase>> {
  let sqlite: Database.Database;
  try {
    sqlite = new Database(filename);
  } catch (cause) {
    throw new Error(`cannot open the downloads database ${filename}: ${describe(cause)}; check --data-dir`, { cause });
  }
  try {
    sqlite.pragma(`busy_timeout = ${CLIENT_BUSY_TIMEOUT_MS}`);
    if (filename !== ":memory:") await enableWal(sqlite, CLIENT_BUSY_TIMEOUT_MS);
    // NORMAL in WAL mode: a commit is written to the WAL but not fsynced, so the event loop
    // is not blocked ≈2 ms per commit (a small file makes several). A crash of the process
    // loses nothing; a power loss may lose the last commits but never corrupts the file.
    // Losing a committed offset is safe (the part is truncated to the older one on resume);
    // the commits that must survive (`completed` after the rename) call
    // {@link makeCommitsDurable}, which fsyncs the WAL off the event loop.
    sqlite.pragma("synchronous = NORMAL");
  } catch (cause) {
    sqlite.close();
    throw new Error(`cannot use the downloads database ${filename}: ${describe(cause)}`, { cause });
  }
  const db = new Kysely<ClientDatabase>({ dialect: new SqliteDialect({ database: sqlite }) });
  if (filename !== ":memory:" && String(sqlite.pragma("journal_mode", { simple: true })).toLowerCase() === "wal") {
    walFiles.set(db, { file: path.resolve(sqlite.name), dirSynced: false });
  }
  try {
    await migrate(db);
  } catch (error) {
    await db.destroy();
    throw error;
  }
  return db;
}

/** Main database file of each WAL-mode database opened here (for {@link makeCommitsDurable}). */
const walFiles = new WeakMap<Kysely<ClientDatabase>, { readonly file: string; dirSynced: boolean }>();

/**
 * Makes every commit this database has returned from durable against power loss: fsyncs
 * its WAL file (and, once, its directory, so the WAL is found after a reboot) in the
 * thread pool, not on the event loop. If SQLite checkpointed meanwhile, the frames are
 * already durable (with `synchronous = NORMAL` a checkpoint syncs the WAL first). A no-op
 * for a database not opened by {@link openDownloadsDatabaseFile} in WAL mode (`:memory:`).
 */
export async function makeCommitsDurable(db: Kysely<ClientDatabase>): Promise<void> {
  const wal = walFiles.get(db);
  if (wal === undefined) return;
  await fsyncPath(`${wal.file}-wal`, "r");
  // The WAL's directory entry once: it lives as long as this open connection.
  if (!wal.dirSynced) {
    await fsyncPath(path.dirname(wal.file), "r");
    wal.dirSynced = true;
  }
}

async function fsyncPath(p: string, flags: string): Promise<void> {
  let fh: FileHandle;
  try {
    fh = await open(p, flags);
  } catch (err) {
    // No WAL file: SQLite removed it after a checkpoint when the last connection closed
    // (then everything is in the main file, which SQLite synced).
    if ((err as { code?: unknown }).code === "ENOENT") return;
    throw err;
  }
  try {
    await fh.sync();
  } catch (err) {
    // Some filesystems refuse fsync on a directory; nothing more can be done there.
    const code = (err as { code?: unknown }).code;
    if (code !== "EINVAL" && code !== "EISDIR" && code !== "EPERM") throw err;
  } finally {
    await fh.close();
  }
}

async function migrate(db: Kysely<ClientDatabase>): Promise<void> {
  const migrator = new Migrator({ db, provider: clientMigrationProvider });
  // Kysely's migration lock is a no-op on SQLite, so two processes opening a fresh file at
  // once (two `peer get` started together) race: one sees SQLITE_BUSY, or its transaction —
  // begun before the other committed — fails with "table … already exists". Both are
  // resolved by trying again: the second run sees the migrations recorded and does nothing.
  for (let attempt = 1; ; attempt++) {
    const { error } = await migrator.migrateToLatest();
    if (error === undefined) return;
    const code = (error as { code?: unknown } | null)?.code;
    const racing =
      (typeof code === "string" && code.startsWith("SQLITE_BUSY")) || /already exists/.test(describe(error));
    if (attempt < 8 && racing) {
      await new Promise((r) => setTimeout(r, 50 * attempt));
      continue;
    }
    throw new Error(`cannot migrate the downloads database: ${describe(error)}`, { cause: error });
  }
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/**
 * Switches the file to WAL. When several processes open a fresh file at once, the switch can
 * answer SQLITE_BUSY at once instead of waiting on busy_timeout (it needs an exclusive lock), so
 * it is retried with a short random pause until `timeoutMs` has passed.
 */
async function enableWal(sqlite: Database.Database, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      sqlite.pragma("journal_mode = WAL");
      return;
    } catch (error) {
      if ((error as { code?: unknown }).code !== "SQLITE_BUSY" || Date.now() > deadline) throw error;
      await new Promise((resolve) => setTimeout(resolve, 10 + Math.random() * 40));
    }
  }
}
