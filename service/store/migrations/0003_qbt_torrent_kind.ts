import type { Kysely } from "kysely";

// Frozen: never edit a released migration; add one. Dialect-neutral: text and bigint columns only.

/**
 * Adds what a qBittorrent torrent row names: one download (`file`) or a folder job (`folder`, a multi-file
 * torrent), and a folder torrent's files (JSON `[[path, size], …]`, paths below the torrent's name).
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .alterTable("qbt_torrent")
    .addColumn("kind", "text", (col) => col.notNull().defaultTo("file"))
    .execute();
  await db.schema
    .alterTable("qbt_torrent")
    .addColumn("files", "text", (col) => col.notNull().defaultTo("[]"))
    .execute();
}

/** Drops them. */
export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable("qbt_torrent").dropColumn("files").execute();
  await db.schema.alterTable("qbt_torrent").dropColumn("kind").execute();
}
