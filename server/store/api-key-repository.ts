import type { Kysely, Transaction } from "kysely";
import type { ApiKeyRow, NewApiKeyRow } from "./api-key.table.js";
import type { ServerDatabase } from "./database.js";

type Db = Kysely<ServerDatabase> | Transaction<ServerDatabase>;

/** Inserts a new key row. */
export async function insertApiKey(db: Db, row: NewApiKeyRow): Promise<void> {
  await db.insertInto("api_key").values(row).execute();
}

/** Loads one key by its public id. */
export async function findApiKeyById(db: Db, id: string): Promise<ApiKeyRow | undefined> {
  return db.selectFrom("api_key").selectAll().where("id", "=", id).executeTakeFirst();
}

/** All keys, oldest first. */
export async function listApiKeys(db: Db): Promise<ApiKeyRow[]> {
  return db.selectFrom("api_key").selectAll().orderBy("created_at").orderBy("id").execute();
}

/** Number of keys ever created (revoked and expired ones included). */
export async function countApiKeys(db: Db): Promise<number> {
  const row = await db
    .selectFrom("api_key")
    .select((eb) => eb.fn.countAll<number>().as("count"))
    .executeTakeFirstOrThrow();
  return Number(row.count);
}

/**
 * Marks a key revoked at `at` unless it already is. Returns whether a key with
 * this id exists (revoked now or before).
 */
export async function revokeApiKey(db: Db, id: string, at: number): Promise<boolean> {
  await db
    .updateTable("api_key")
    .set({ revoked_at: at })
    .where("id", "=", id)
    .where("revoked_at", "is", null)
    .execute();
  return (await findApiKeyById(db, id)) !== undefined;
}

/** Records a successful use of a key. */
export async function touchApiKey(db: Db, id: string, at: number): Promise<void> {
  await db.updateTable("api_key").set({ last_used_at: at }).where("id", "=", id).execute();
}
