import type { Kysely } from "kysely";

// Frozen: see 0001_create_api_key.ts. Dialect-neutral: a text column with a constant default.

/** Adds `api_key.scopes` (server/auth/scope.ts): every existing key keeps what it could do, `read`. */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .alterTable("api_key")
    .addColumn("scopes", "text", (col) => col.notNull().defaultTo("read"))
    .execute();
}

/** Drops `api_key.scopes`. */
export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable("api_key").dropColumn("scopes").execute();
}
