/**
 * Frozen once shipped. Adds the lease's fencing token (README "Several machines"):
 * every claim increments it and every write of the job's progress, and the final
 * rename, require the token the writer got at its claim, so a worker whose lease
 * was taken over can never commit or rename, even if it is the same owner again.
 * Kysely's schema builder, bigint: the same on SQLite and PostgreSQL.
 */
import type { Kysely } from "kysely";

/** Adds `download.lease_token`. */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .alterTable("download")
    .addColumn("lease_token", "bigint", (c) => c.notNull().defaultTo(0))
    .execute();
}

/** Drops `download.lease_token`. */
export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable("download").dropColumn("lease_token").execute();
}
