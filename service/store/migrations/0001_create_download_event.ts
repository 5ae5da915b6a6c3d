import type { Kysely } from "kysely";

// Frozen: never edit a released migration; add one. Dialect-neutral: text and bigint columns only.

/** Creates `download_event`: every state change of a download, numbered, for WatchDownloads cursors. */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable("download_event")
    .addColumn("seq", "bigint", (col) => col.primaryKey())
    .addColumn("download_id", "text", (col) => col.notNull())
    .addColumn("state", "text", (col) => col.notNull())
    .addColumn("at", "bigint", (col) => col.notNull())
    .execute();
}

/** Drops `download_event`. */
export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable("download_event").execute();
}
