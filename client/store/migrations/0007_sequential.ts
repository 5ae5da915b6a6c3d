/**
 * Frozen once shipped. Adds the job's `sequential` option (docs/downloads.md "Reading a
 * download while it runs"): 1 fetches the pieces in order with the first and last pieces
 * early. Integer 0/1 with a default, so existing jobs keep the engine's own order and the
 * schema stays the same on SQLite and PostgreSQL.
 */
import type { Kysely } from "kysely";

/** Adds `download.sequential`. */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .alterTable("download")
    .addColumn("sequential", "integer", (c) => c.notNull().defaultTo(0))
    .execute();
}

/** Drops `download.sequential`. */
export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable("download").dropColumn("sequential").execute();
}
