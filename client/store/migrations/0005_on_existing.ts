/**
 * Frozen once shipped. What a job does when its destination exists (docs/downloads.md "Safe
 * writes"): `refuse` (the default, also for every job queued before this migration: a download
 * never replaces a file it did not create), `overwrite` or `rename`. Text: SQLite and PostgreSQL.
 */
import type { Kysely } from "kysely";

/** Adds `download.on_existing`. */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .alterTable("download")
    .addColumn("on_existing", "text", (c) => c.notNull().defaultTo("refuse"))
    .execute();
}

/** Drops `download.on_existing`. */
export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable("download").dropColumn("on_existing").execute();
}
