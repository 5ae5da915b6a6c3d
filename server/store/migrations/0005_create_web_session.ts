import type { Kysely } from "kysely";

// Frozen: see 0001_create_api_key.ts. Dialect-neutral (SQLite and PostgreSQL): text and bigint columns only.

/** Creates `web_session`: signed-in browsers, each tied to the API key it signed in with. */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable("web_session")
    .addColumn("id", "text", (col) => col.primaryKey())
    .addColumn("token_hash", "text", (col) => col.notNull().unique())
    .addColumn("key_id", "text", (col) => col.notNull())
    .addColumn("created_at", "bigint", (col) => col.notNull())
    .addColumn("expires_at", "bigint", (col) => col.notNull())
    .execute();
  await db.schema.createIndex("web_session_key_id").on("web_session").column("key_id").execute();
}

/** Drops `web_session`. */
export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable("web_session").execute();
}
