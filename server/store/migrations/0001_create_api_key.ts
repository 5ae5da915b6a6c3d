import type { Kysely } from "kysely";
import { epochMsType } from "../../../common/store/dialect.js";

// Frozen: migrations take Kysely<any> so later schema changes never break
// them (Kysely docs, "Migrations"). Never edit a released migration; add one.
// Dialect-neutral since PostgreSQL: times are "integer" on SQLite (the schema as
// released) and bigint on PostgreSQL (epochMsType); the SQLite schema is unchanged.

/** Creates `api_key`: one row per API key, secrets stored only as SHA-256 hashes. */
export async function up(db: Kysely<any>): Promise<void> {
  const ms = epochMsType(db);
  await db.schema
    .createTable("api_key")
    .addColumn("id", "text", (col) => col.primaryKey())
    .addColumn("name", "text", (col) => col.notNull())
    .addColumn("hash", "text", (col) => col.notNull().unique())
    .addColumn("created_at", ms, (col) => col.notNull())
    .addColumn("expires_at", ms)
    .addColumn("revoked_at", ms)
    .addColumn("last_used_at", ms)
    .execute();
}

/** Drops `api_key`. */
export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable("api_key").execute();
}
