/**
 * The one strategy both stores use against two processes migrating one fresh
 * database at once (two `peer get` started together, three replicas starting):
 * take a lock that spans processes, then read which migrations ran, run the
 * rest, release. On SQLite the lock is the write lock (`BEGIN IMMEDIATE`,
 * waiting up to busy_timeout; DDL is transactional there, so a failure leaves
 * nothing); on PostgreSQL it is a session advisory lock held on one connection
 * while Kysely migrates on that same connection (each migration in its own
 * transaction). Kysely's own migration lock is a no-op on SQLite, hence this.
 *
 * Unordered migrations are allowed: numbers are handed out to features built in
 * parallel (client 0002 and 0004 may land after 0003), and each touches its own
 * tables or columns, so a database that already ran 0003 still takes 0002 later.
 */
import { Migrator, sql, type Kysely, type MigrationProvider } from "kysely";
import { isPostgres } from "./dialect.js";
import { describe } from "./sqlite-file.js";
import { StoreError } from "./store-error.js";

/** Which migrations, and where they are recorded. */
export interface MigrateOptions {
  readonly provider: MigrationProvider;
  /** What the store is, for error messages ("downloads", "server"). */
  readonly label: string;
  /**
   * The store's name on PostgreSQL, where both stores may share one database: migrations are
   * recorded in `peer_<name>_migration` (SQLite files keep Kysely's default table).
   */
  readonly name: string;
  /** Stop after this migration (tests build an older schema with it). @default every migration */
  readonly upTo?: string | undefined;
}

/** Attempts at taking the SQLite write lock (each waits up to busy_timeout). */
const SQLITE_LOCK_ATTEMPTS = 5;

/** Brings a store's schema up to date, safely against other processes doing the same. */
export async function migrateStore(db: Kysely<any>, o: MigrateOptions): Promise<void> {
  try {
    if (isPostgres(db)) await migratePostgres(db, o);
    else await migrateSqlite(db, o);
  } catch (error) {
    throw new StoreError(`cannot migrate the ${o.label} database: ${describe(error)}`, { cause: error });
  }
}

async function migrateSqlite(db: Kysely<any>, o: MigrateOptions): Promise<void> {
  const migrator = new Migrator({
    db,
    provider: o.provider,
    disableTransactions: true,
    allowUnorderedMigrations: true,
  });
  // Fast path without the write lock: every open after the first.
  const known = await migrator.getMigrations();
  if (o.upTo === undefined && known.every((m) => m.executedAt !== undefined)) return;
  // Kysely's SQLite driver has one connection: these statements and the migrator's share it.
  for (let attempt = 1; ; attempt++) {
    try {
      await sql`begin immediate`.execute(db);
      break;
    } catch (error) {
      if (attempt >= SQLITE_LOCK_ATTEMPTS || !isBusy(error)) throw error;
      await new Promise((resolve) => setTimeout(resolve, 50 * attempt));
    }
  }
  let error: unknown;
  try {
    ({ error } = await (o.upTo === undefined ? migrator.migrateToLatest() : migrator.migrateTo(o.upTo)));
  } catch (thrown) {
    error = thrown ?? new Error("migration failed");
  }
  if (error === undefined) {
    await sql`commit`.execute(db);
    return;
  }
  await sql`rollback`.execute(db).catch(() => undefined);
  throw error;
}

/** Advisory lock key shared by every peer store (any constant; both stores take turns). */
const PG_MIGRATION_LOCK = 7_346_812_455;

async function migratePostgres(db: Kysely<any>, o: MigrateOptions): Promise<void> {
  await db.connection().execute(async (conn) => {
    await sql`select pg_advisory_lock(${PG_MIGRATION_LOCK})`.execute(conn);
    try {
      const migrator = new Migrator({
        db: conn,
        provider: o.provider,
        migrationTableName: `peer_${o.name}_migration`,
        migrationLockTableName: `peer_${o.name}_migration_lock`,
        allowUnorderedMigrations: true,
      });
      const { error } = await (o.upTo === undefined ? migrator.migrateToLatest() : migrator.migrateTo(o.upTo));
      if (error !== undefined) throw error;
    } finally {
      await sql`select pg_advisory_unlock(${PG_MIGRATION_LOCK})`.execute(conn).catch(() => undefined);
    }
  });
}

function isBusy(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === "string" && code.startsWith("SQLITE_BUSY");
}
