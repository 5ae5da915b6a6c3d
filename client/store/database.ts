/**
 * Opens the client's job database: `<dataDir>/downloads.db`, better-sqlite3
 * through Kysely, WAL (readers never block the writer; several `peer`
 * processes share one file), a busy timeout, and the migrations on open.
 */
import { mkdir } from "node:fs/promises";
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
    if (filename !== ":memory:") sqlite.pragma("journal_mode = WAL");
    // FULL: the committed offset and `completed` survive power loss. Writes are
    // rare (a checkpoint every 64 MiB or 10 s), so the extra fsync is cheap.
    sqlite.pragma("synchronous = FULL");
  } catch (cause) {
    sqlite.close();
    throw new Error(`cannot use the downloads database ${filename}: ${describe(cause)}`, { cause });
  }
  const db = new Kysely<ClientDatabase>({ dialect: new SqliteDialect({ database: sqlite }) });
  try {
    await migrate(db);
  } catch (error) {
    await db.destroy();
    throw error;
  }
  return db;
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
