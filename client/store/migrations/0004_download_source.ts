/**
 * Frozen once shipped. A job's sources (docs/downloads.md "Sources"): the peers and plain
 * HTTP mirrors a job reads its pieces from, each with its own state. Every existing job gets
 * one source, its peer, so a job created before this migration resumes unchanged.
 * Text and bigint only (SQLite and PostgreSQL).
 */
import { type Kysely, sql } from "kysely";

/** Creates `download_source` and gives every existing job its peer as a source. */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable("download_source")
    .addColumn("id", "text", (c) => c.primaryKey())
    .addColumn("download_id", "text", (c) => c.notNull())
    .addColumn("kind", "text", (c) => c.notNull())
    .addColumn("url", "text", (c) => c.notNull())
    .addColumn("key_ref", "text")
    .addColumn("transport", "text")
    .addColumn("item_id", "text")
    .addColumn("etag", "text")
    .addColumn("bytes_delivered", "bigint", (c) => c.notNull().defaultTo(0))
    .addColumn("rate", "bigint", (c) => c.notNull().defaultTo(0))
    .addColumn("failures", "bigint", (c) => c.notNull().defaultTo(0))
    .addColumn("next_retry_at", "bigint")
    .addColumn("banned_reason", "text")
    .addColumn("last_error", "text")
    .addColumn("created_at", "bigint", (c) => c.notNull())
    .addColumn("updated_at", "bigint", (c) => c.notNull())
    .execute();
  await db.schema
    .createIndex("download_source_job_url")
    .on("download_source")
    .columns(["download_id", "url"])
    .unique()
    .execute();
  // One source per existing job: its peer (the id is derived from the job's, so it is stable).
  await sql`
    INSERT INTO download_source
      (id, download_id, kind, url, key_ref, transport, item_id, etag, bytes_delivered, rate, failures,
       created_at, updated_at)
    SELECT id || ':0', id, 'peer', peer_url, key_ref, transport, item_id, expected_etag, 0, 0, 0,
           created_at, updated_at
    FROM download`.execute(db);
}

/** Drops `download_source`. */
export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable("download_source").execute();
}
