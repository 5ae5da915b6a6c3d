/**
 * The one way both stores open PostgreSQL: Kysely's PostgresDialect over a
 * `pg` pool. int8 (bigint) comes back as a JavaScript number, like SQLite's
 * INTEGER, so rows map the same on both dialects (every int8 we store, a size
 * or a time in ms, is far below 2^53). A connection is made at open, so a wrong
 * URL or a refused connection fails there with the host and the cause.
 */
import { Kysely, PostgresDialect, sql } from "kysely";
import type pgTypes from "pg";
import { describe } from "./sqlite-file.js";
import { StoreError } from "./store-error.js";

/** How to open a PostgreSQL store. */
export interface PostgresOptions {
  /** `postgres://…` URL (may hold a password; never logged). */
  readonly url: string;
  /** `host:port/database`, safe to print. */
  readonly display: string;
  /** What the store is, for error messages ("downloads", "server"). */
  readonly label: string;
  /** Pool size. @default 10 */
  readonly maxConnections?: number;
  /** How long to wait for a connection, in ms. @default 10000 */
  readonly connectTimeoutMs?: number;
}

const INT8_OID = 20;

/** pg's parsers, except int8 → number. */
function int8AsNumber(pg: typeof pgTypes) {
  return {
    getTypeParser: ((oid: number, format?: "text" | "binary") =>
      oid === INT8_OID && format !== "binary"
        ? (value: string) => Number(value)
        : pg.types.getTypeParser(oid, format as "text")) as typeof pg.types.getTypeParser,
  };
}

/** Opens a pool, checks that one connection works, and returns Kysely over it. */
export async function openPostgres<DB>(o: PostgresOptions): Promise<Kysely<DB>> {
  // Loaded on first use: SQLite users (and `peer --help`) never pay for it.
  const { default: pg } = await import("pg");
  const types = int8AsNumber(pg);
  const pool = new pg.Pool({
    connectionString: o.url,
    max: o.maxConnections ?? 10,
    connectionTimeoutMillis: o.connectTimeoutMs ?? 10_000,
    types,
  });
  // An idle connection that the server closed (a restart, a failover) emits "error" on the pool;
  // without a listener that would crash the process. The pool drops it and the next query reconnects.
  pool.on("error", () => undefined);
  // The same for a connection that is checked out but between queries (a transaction's, or the
  // migration's): its query fails and the pool drops it; the event alone must not crash us.
  pool.on("connect", (client) => client.on("error", () => undefined));
  const db = new Kysely<DB>({ dialect: new PostgresDialect({ pool }) });
  try {
    await sql`select 1`.execute(db);
  } catch (cause) {
    await db.destroy().catch(() => undefined);
    const why = describeConnectError(cause);
    throw new StoreError(`cannot connect to the ${o.label} database on PostgreSQL at ${o.display}: ${why}`, { cause });
  }
  return db;
}

/** A connection error in words: pg's errors often have an empty message and only a code. */
function describeConnectError(error: unknown): string {
  const e = error as { code?: unknown; message?: unknown; errors?: unknown };
  // Node's AggregateError (IPv4 and IPv6 both refused) carries the real causes inside.
  if (Array.isArray(e.errors) && e.errors.length > 0) return describeConnectError(e.errors[0]);
  const message = describe(error);
  const code = typeof e.code === "string" ? e.code : undefined;
  if (code === undefined || message.includes(code)) return message || "unknown error";
  return message === "" ? code : `${message} (${code})`;
}
