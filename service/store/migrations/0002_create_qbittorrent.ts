import type { Kysely } from "kysely";

// Frozen: never edit a released migration; add one. Dialect-neutral: text and bigint columns only.

/** Creates the qBittorrent API's tables: torrents (one per download), categories, and SID sessions (hashed). */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable("qbt_torrent")
    .addColumn("download_id", "text", (col) => col.primaryKey())
    .addColumn("hash", "text", (col) => col.notNull().unique())
    .addColumn("name", "text", (col) => col.notNull())
    .addColumn("category", "text", (col) => col.notNull())
    .addColumn("tags", "text", (col) => col.notNull())
    .addColumn("added_on", "bigint", (col) => col.notNull())
    .execute();
  await db.schema
    .createTable("qbt_category")
    .addColumn("name", "text", (col) => col.primaryKey())
    .addColumn("save_path", "text", (col) => col.notNull())
    .execute();
  await db.schema
    .createTable("qbt_session")
    .addColumn("token_hash", "text", (col) => col.primaryKey())
    .addColumn("key_id", "text", (col) => col.notNull())
    .addColumn("expires_at", "bigint", (col) => col.notNull())
    .execute();
}

/** Drops them. */
export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable("qbt_session").execute();
  await db.schema.dropTable("qbt_category").execute();
  await db.schema.dropTable("qbt_torrent").execute();
}
