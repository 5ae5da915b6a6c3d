import type { Kysely } from "kysely";

// Frozen: see 0001_create_api_key.ts. Dialect-neutral (SQLite and
// PostgreSQL): text and bigint columns only, the piece layer as hex text.

/**
 * Creates `file_pieces`: the BEP 52 pieces root, piece length and piece layer
 * of an item, keyed by the etag they were computed for (docs/pieces.md), next
 * to `file_digest`; indexed by root for ListItemsRequest.pieces_root.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable("file_pieces")
    .addColumn("item_id", "text", (col) => col.primaryKey())
    .addColumn("etag", "text", (col) => col.notNull())
    .addColumn("pieces_root", "text", (col) => col.notNull())
    .addColumn("piece_length", "bigint", (col) => col.notNull())
    .addColumn("layer", "text", (col) => col.notNull())
    .addColumn("computed_at", "bigint", (col) => col.notNull())
    .execute();
  await db.schema.createIndex("file_pieces_root").on("file_pieces").column("pieces_root").execute();
}

/** Drops `file_pieces`. */
export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable("file_pieces").execute();
}
