/**
 * The one way both stores open SQLite: better-sqlite3 under Kysely, a busy
 * timeout (the CLI, `peer serve` and `peer get` processes share files), WAL
 * (readers never block the writer), synchronous=NORMAL (a process crash loses
 * nothing; the commits that must survive a power loss fsync the WAL themselves), and
 * each distinct statement prepared once (statement-cache.ts).
 */
import Database from "better-sqlite3";
import { Kysely } from "kysely";
import { FifoSqliteDialect } from "./fifo-sqlite-dialect.js";
import { cachingStatements } from "./statement-cache.js";
import { StoreError } from "./store-error.js";

/** How to open one SQLite file. */
export interface SqliteFileOptions {
  /** File name, or `":memory:"` (tests). */
  readonly filename: string;
  /** What the file is, for error messages ("downloads", "server"). */
  readonly label: string;
  /** How long a writer waits for another process's lock, in ms. */
  readonly busyTimeoutMs: number;
  /** Enforce foreign keys. @default false */
  readonly foreignKeys?: boolean;
  /** Appended to an open error, e.g. "; check --data-dir". @default "" */
  readonly hint?: string;
}

/** An open SQLite file: the Kysely handle and the raw connection under it. */
export interface SqliteFile<DB> {
  readonly db: Kysely<DB>;
  readonly sqlite: Database.Database;
}

/** Opens a SQLite file with the pragmas above. Migrations are not run here (see migrate-store.ts). */
export async function openSqliteFile<DB>(o: SqliteFileOptions): Promise<SqliteFile<DB>> {
  let sqlite: Database.Database;
  try {
    sqlite = new Database(o.filename);
  } catch (cause) {
    const why = `${describe(cause)}${o.hint ?? ""}`;
    throw new StoreError(`cannot open the ${o.label} database ${o.filename}: ${why}`, { cause });
  }
  try {
    sqlite.pragma(`busy_timeout = ${o.busyTimeoutMs}`);
    if (o.filename !== ":memory:") await enableWal(sqlite, o.busyTimeoutMs);
    // https://www.sqlite.org/wal.html#performance_considerations: durable across process crashes.
    sqlite.pragma("synchronous = NORMAL");
    if (o.foreignKeys === true) sqlite.pragma("foreign_keys = ON");
  } catch (cause) {
    sqlite.close();
    throw new StoreError(`cannot use the ${o.label} database ${o.filename}: ${describe(cause)}`, { cause });
  }
  return { db: new Kysely<DB>({ dialect: new FifoSqliteDialect({ database: cachingStatements(sqlite) }) }), sqlite };
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

/** An error's message. */
export function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
