/**
 * Verified pieces (docs/pieces.md "Client engine"): the job's BEP 52 pieces root, the
 * piece length its bitmap counts in, and the bitmap of verified (fsync'ed) pieces as
 * base64 text. All nullable: a v1 row (no root) keeps working as before and switches to
 * pieces when its peer shows a root. Text and bigint only (SQLite and PostgreSQL).
 * Frozen: never edit a migration that has shipped; add a new one.
 */
import type { Kysely } from "kysely";

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable("download").addColumn("pieces_root", "text").execute();
  await db.schema.alterTable("download").addColumn("piece_length", "bigint").execute();
  await db.schema.alterTable("download").addColumn("pieces_verified", "text").execute();
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable("download").dropColumn("pieces_verified").execute();
  await db.schema.alterTable("download").dropColumn("piece_length").execute();
  await db.schema.alterTable("download").dropColumn("pieces_root").execute();
}
