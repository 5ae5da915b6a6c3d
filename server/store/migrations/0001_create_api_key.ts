import type { Kysely } from "kysely";

// Frozen: migrations take Kysely<any> so later schema changes never break
// them (Kysely docs, "Migrations"). Never edit a released migration; add one.

/** Creates `api_key`: one row per API key, secrets stored only as SHA-256 hashes. */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable("api_key")
    .addColumn("id", "text", (col) => col.primaryKey())
    .addColumn("name", "text", (col) => col.notNull())
    .addColumn("hash", "text", (col) => col.notNull().unique())
    .addColumn("created_at", "integer", (col) => col.notNull())
    .addColumn("expires_at", "integer")
    .addColumn("revoked_at", "integer")
    .addColumn("last_used_at", "integer")
    .execute();
}

/** Drops `api_key`. */
export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable("api_key").execute();
}
