/**
 * The few places where SQLite and PostgreSQL differ, behind one question: which
 * dialect runs this query? Migrations and repositories ask it instead of each
 * store keeping its own flag, so a `Transaction` or a migration's `Kysely<any>`
 * answers the same as the database it came from.
 */
import { PostgresAdapter, sql, type Kysely, type RawBuilder } from "kysely";

/** The two dialects a store runs on. */
export type Dialect = "sqlite" | "postgres";

/** The dialect of a database, transaction or migration handle. */
export function dialectOf(db: Kysely<any>): Dialect {
  // getExecutor() is how Kysely's own Migrator finds the adapter (it is not in the docs).
  return db.getExecutor().adapter instanceof PostgresAdapter ? "postgres" : "sqlite";
}

/** True on PostgreSQL. */
export function isPostgres(db: Kysely<any>): boolean {
  return dialectOf(db) === "postgres";
}

/**
 * The column type of a time in epoch milliseconds. SQLite's INTEGER is 64-bit, and the
 * released migrations wrote "integer" (kept so their SQLite schema does not change);
 * PostgreSQL's integer is 32-bit, too small for milliseconds, so it gets bigint there.
 */
export function epochMsType(db: Kysely<any>): "integer" | "bigint" {
  return isPostgres(db) ? "bigint" : "integer";
}

/** A column default of "now" in epoch milliseconds. */
export function nowMsDefault(db: Kysely<any>): RawBuilder<number> {
  return isPostgres(db)
    ? sql<number>`(floor(extract(epoch from clock_timestamp()) * 1000)::bigint)`
    : sql<number>`(CAST(unixepoch('subsec') * 1000 AS INTEGER))`;
}

/** True when an error is a unique-constraint violation, on either dialect. */
export function isUniqueViolation(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return code === "SQLITE_CONSTRAINT_UNIQUE" || code === "SQLITE_CONSTRAINT_PRIMARYKEY" || code === "23505";
}
