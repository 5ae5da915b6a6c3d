import type { Kysely, Transaction } from "kysely";
import type { ServerDatabase } from "./database.js";

type Db = Kysely<ServerDatabase> | Transaction<ServerDatabase>;

/**
 * The cached SHA-256 (lower-case hex) of an item, only if it was computed for
 * exactly this etag; `undefined` otherwise (never hashed, or the file changed).
 */
export async function getDigest(db: Db, itemId: string, etag: string): Promise<string | undefined> {
  const row = await db
    .selectFrom("file_digest")
    .select("sha256")
    .where("item_id", "=", itemId)
    .where("etag", "=", etag)
    .executeTakeFirst();
  return row?.sha256;
}

/**
 * Stores the SHA-256 of an item for an etag, replacing whatever was cached for
 * the item (an older etag's digest is stale by definition).
 */
export async function putDigest(
  db: Db,
  itemId: string,
  etag: string,
  sha256: string,
  computedAt: number = Date.now(),
): Promise<void> {
  await db
    .insertInto("file_digest")
    .values({ item_id: itemId, etag, sha256, computed_at: computedAt })
    .onConflict((oc) => oc.column("item_id").doUpdateSet({ etag, sha256, computed_at: computedAt }))
    .execute();
}

/** Forgets the digest of an item (e.g. the file was deleted). Returns whether one was stored. */
export async function deleteDigest(db: Db, itemId: string): Promise<boolean> {
  const result = await db.deleteFrom("file_digest").where("item_id", "=", itemId).executeTakeFirst();
  return result.numDeletedRows > 0n;
}
