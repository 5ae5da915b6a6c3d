/**
 * Frozen: never edit a migration that has shipped; add a new one.
 * Uses `Kysely<any>` so later changes to the TypeScript schema cannot change it.
 */
import { sql, type Kysely } from "kysely";

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable("download")
    .addColumn("id", "text", (c) => c.primaryKey())
    .addColumn("peer_url", "text", (c) => c.notNull())
    .addColumn("key_ref", "text", (c) => c.notNull())
    .addColumn("transport", "text", (c) => c.notNull())
    .addColumn("item_id", "text", (c) => c.notNull())
    .addColumn("file_name", "text", (c) => c.notNull())
    .addColumn("destination", "text", (c) => c.notNull())
    .addColumn("part_path", "text", (c) => c.notNull())
    .addColumn("expected_size", "bigint")
    .addColumn("expected_etag", "text")
    .addColumn("expected_sha256", "text")
    .addColumn("committed_bytes", "bigint", (c) => c.notNull().defaultTo(0))
    .addColumn("status", "text", (c) =>
      c.notNull().check(sql`status in ('queued','downloading','verifying','completed','failed','cancelled','paused')`),
    )
    .addColumn("attempts", "integer", (c) => c.notNull().defaultTo(0))
    .addColumn("restarts", "integer", (c) => c.notNull().defaultTo(0))
    .addColumn("error_code", "text")
    .addColumn("error_message", "text")
    .addColumn("next_attempt_at", "bigint")
    .addColumn("lease_owner", "text")
    .addColumn("lease_expires_at", "bigint")
    .addColumn("created_at", "bigint", (c) => c.notNull())
    .addColumn("updated_at", "bigint", (c) => c.notNull())
    .addColumn("completed_at", "bigint")
    .execute();
  // The database, not only memory, stops two live rows from writing one file.
  await db.schema
    .createIndex("download_live_destination")
    .on("download")
    .column("destination")
    .unique()
    .where(sql.ref("status"), "in", ["queued", "downloading", "verifying", "paused"])
    .execute();
  await db.schema.createIndex("download_status").on("download").columns(["status", "next_attempt_at"]).execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable("download").execute();
}
