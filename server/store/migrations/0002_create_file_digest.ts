import type { Kysely } from "kysely";
import { epochMsType, nowMsDefault } from "../../../common/store/dialect.js";

// Frozen: see 0001_create_api_key.ts (dialect-neutral the same way; the SQLite schema is unchanged).

/** Creates `file_digest`: the SHA-256 of an item, keyed by the etag it was computed for. */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable("file_digest")
    .addColumn("item_id", "text", (col) => col.primaryKey())
    .addColumn("etag", "text", (col) => col.notNull())
    .addColumn("sha256", "text", (col) => col.notNull())
    .addColumn("computed_at", epochMsType(db), (col) => col.notNull().defaultTo(nowMsDefault(db)))
    .execute();
}

/** Drops `file_digest`. */
export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable("file_digest").execute();
}
