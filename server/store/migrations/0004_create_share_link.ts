import type { Kysely } from "kysely";

// Frozen: see 0001_create_api_key.ts. Dialect-neutral (SQLite and PostgreSQL): text and bigint columns only.

/** Creates `share_link`: links that let anyone holding the token download one file or one folder. */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable("share_link")
    .addColumn("id", "text", (col) => col.primaryKey())
    .addColumn("token_hash", "text", (col) => col.notNull().unique())
    .addColumn("target", "text", (col) => col.notNull())
    .addColumn("note", "text")
    .addColumn("created_by", "text")
    .addColumn("created_at", "bigint", (col) => col.notNull())
    .addColumn("expires_at", "bigint")
    .addColumn("revoked_at", "bigint")
    .addColumn("max_downloads", "bigint")
    .addColumn("bytes_served", "bigint", (col) => col.notNull().defaultTo(0))
    .addColumn("last_used_at", "bigint")
    .execute();
}

/** Drops `share_link`. */
export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable("share_link").execute();
}
