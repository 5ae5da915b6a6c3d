/**
 * Frozen once shipped. Folder jobs (docs/downloads.md "Folder jobs"): a row per folder download
 * (`download_folder`, one per destination directory), its manifest (`download_folder_file`: the
 * relative path, size, etag and pieces root of every file, its state and its file job), and
 * `download.folder_job_id` so a folder's file jobs are listed under their folder. Text and bigint
 * only (SQLite and PostgreSQL).
 */
import type { Kysely } from "kysely";

/** Creates the folder tables and `download.folder_job_id`. */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable("download_folder")
    .addColumn("id", "text", (c) => c.primaryKey())
    .addColumn("peer_url", "text", (c) => c.notNull())
    .addColumn("key_ref", "text", (c) => c.notNull())
    .addColumn("transport", "text", (c) => c.notNull())
    .addColumn("folder_item_id", "text", (c) => c.notNull())
    .addColumn("name", "text", (c) => c.notNull())
    .addColumn("destination", "text", (c) => c.notNull())
    .addColumn("cancelled", "bigint", (c) => c.notNull().defaultTo(0))
    .addColumn("created_at", "bigint", (c) => c.notNull())
    .addColumn("updated_at", "bigint", (c) => c.notNull())
    .execute();
  await db.schema
    .createIndex("download_folder_destination")
    .on("download_folder")
    .column("destination")
    .unique()
    .execute();
  await db.schema
    .createTable("download_folder_file")
    .addColumn("id", "text", (c) => c.primaryKey())
    .addColumn("folder_job_id", "text", (c) => c.notNull())
    .addColumn("rel_path", "text", (c) => c.notNull())
    .addColumn("item_id", "text", (c) => c.notNull())
    .addColumn("size", "bigint", (c) => c.notNull())
    .addColumn("etag", "text")
    .addColumn("pieces_root", "text")
    .addColumn("state", "text", (c) => c.notNull())
    .addColumn("download_id", "text")
    .addColumn("reason", "text")
    .addColumn("created_at", "bigint", (c) => c.notNull())
    .addColumn("updated_at", "bigint", (c) => c.notNull())
    .execute();
  await db.schema
    .createIndex("download_folder_file_path")
    .on("download_folder_file")
    .columns(["folder_job_id", "rel_path"])
    .unique()
    .execute();
  await db.schema.alterTable("download").addColumn("folder_job_id", "text").execute();
  await db.schema.createIndex("download_folder_job").on("download").column("folder_job_id").execute();
  // Reuse looks completed downloads up by content (docs/downloads.md "Reuse").
  await db.schema.createIndex("download_content").on("download").columns(["pieces_root", "expected_size"]).execute();
}

/** Drops the folder tables and `download.folder_job_id`. */
export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropIndex("download_content").execute();
  await db.schema.dropIndex("download_folder_job").execute();
  await db.schema.alterTable("download").dropColumn("folder_job_id").execute();
  await db.schema.dropTable("download_folder_file").execute();
  await db.schema.dropTable("download_folder").execute();
}
