import { chmod, mkdir } from "node:fs/promises";
import path from "node:path";
import Database from "better-sqlite3";
import { Kysely, Migrator, SqliteDialect } from "kysely";
import type { ApiKeyTable } from "./api-key.table.js";
import type { FileDigestTable } from "./file-digest.table.js";
import type { FilePiecesTable } from "./file-pieces.table.js";
import type { ShareLinkTable } from "./share-link.table.js";
import type { WebSessionTable } from "./web-session.table.js";
import { serverMigrationProvider } from "./migrations/index.js";

/** The serving peer's SQLite schema, as Kysely sees it. */
export interface ServerDatabase {
  api_key: ApiKeyTable;
  file_digest: FileDigestTable;
  file_pieces: FilePiecesTable;
  share_link: ShareLinkTable;
  web_session: WebSessionTable;
}

/** File name of the server database inside the data directory. */
export const SERVER_DATABASE_FILE = "server.db";

/**
 * How long a connection waits for another process's write lock (the CLI and
 * the server share the file) before failing with SQLITE_BUSY.
 * @default 5000
 */
export const BUSY_TIMEOUT_MS = 5000;

/**
 * Opens (creating if needed) `<dataDir>/server.db` and migrates it to the
 * latest schema. The directory is created with mode 0700 and the file made
 * 0600: it holds key hashes. Call `db.destroy()` to close.
 */
export async function openServerDatabase(dataDir: string): Promise<Kysely<ServerDatabase>> {
  try {
    await mkdir(dataDir, { recursive: true, mode: 0o700 });
  } catch (cause) {
    throw new Error(`cannot create the data directory ${dataDir}: ${describe(cause)}`, { cause });
  }
  const file = path.join(dataDir, SERVER_DATABASE_FILE);
  const db = await openServerDatabaseFile(file);
  // Best effort: a file on a filesystem without modes (or owned by someone
  // else) still works.
  await chmod(file, 0o600).catch(() => undefined);
  return db;
}

/**
 * Opens a server database at an exact file name (`":memory:"` for a private
 * in-memory database, handy in tests) and runs the migrations.
 * @internal
 */
export async function openServerDatabaseFile(filename: string): Promise<Kysely<ServerDatabase>> {
  let sqlite: Database.Database;
  try {
    sqlite = new Database(filename);
  } catch (cause) {
    throw new Error(`cannot open the server database ${filename}: ${describe(cause)}`, { cause });
  }
  try {
    // WAL: the server reads while the CLI writes (keys create/revoke) without
    // blocking; NORMAL sync is durable across app crashes in WAL mode
    // (https://www.sqlite.org/wal.html#performance_considerations).
    sqlite.pragma(`busy_timeout = ${BUSY_TIMEOUT_MS}`);
    if (filename !== ":memory:") await enableWal(sqlite, BUSY_TIMEOUT_MS);
    sqlite.pragma("synchronous = NORMAL");
    sqlite.pragma("foreign_keys = ON");
  } catch (cause) {
    sqlite.close();
    throw new Error(`cannot use the server database ${filename}: ${describe(cause)}`, { cause });
  }
  const db = new Kysely<ServerDatabase>({ dialect: new SqliteDialect({ database: sqlite }) });
  try {
    await migrate(db, sqlite);
  } catch (error) {
    await db.destroy();
    throw error;
  }
  return db;
}

/** Attempts at taking the write lock for migrations before giving up. */
const MIGRATE_ATTEMPTS = 5;

/**
 * Brings the schema up to date. Kysely's migration lock is a no-op on SQLite
 * (it assumes one connection), but the server and the CLI are separate
 * processes that may open a fresh file at the same moment: two deferred
 * transactions would both see "nothing applied" and the second would fail
 * with "table already exists" (seen with 6 processes). So migrations run
 * inside one `BEGIN IMMEDIATE` transaction on the raw connection, which takes
 * the write lock first (waiting up to busy_timeout) and then reads the applied
 * migrations; DDL is transactional in SQLite, so a failure leaves nothing.
 */
async function migrate(db: Kysely<ServerDatabase>, sqlite: Database.Database): Promise<void> {
  const migrator = new Migrator({ db, provider: serverMigrationProvider, disableTransactions: true });
  // Fast path without a write lock: every open after the first.
  const known = await migrator.getMigrations();
  if (known.every((m) => m.executedAt !== undefined)) return;
  for (let attempt = 1; ; attempt++) {
    try {
      sqlite.exec("BEGIN IMMEDIATE");
    } catch (error) {
      if (attempt < MIGRATE_ATTEMPTS && isBusy(error)) {
        await new Promise((resolve) => setTimeout(resolve, 50 * attempt));
        continue;
      }
      throw new Error(`cannot migrate the server database: ${describe(error)}`, { cause: error });
    }
    break;
  }
  let error: unknown;
  try {
    ({ error } = await migrator.migrateToLatest());
  } catch (thrown) {
    error = thrown;
  }
  if (error === undefined) {
    sqlite.exec("COMMIT");
    return;
  }
  if (sqlite.inTransaction) sqlite.exec("ROLLBACK");
  throw new Error(`cannot migrate the server database: ${describe(error)}`, { cause: error });
}

function isBusy(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === "string" && code.startsWith("SQLITE_BUSY");
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
