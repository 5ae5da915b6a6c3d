import type { Kysely, Transaction } from "kysely";
import type { ServerDatabase } from "./database.js";
import type { NewWebSessionRow } from "./web-session.table.js";

type Db = Kysely<ServerDatabase> | Transaction<ServerDatabase>;

/** A web session with its bigint columns as numbers. */
export interface WebSession {
  readonly id: string;
  readonly tokenHash: string;
  readonly keyId: string;
  readonly createdAt: number;
  readonly expiresAt: number;
}

/** Inserts a session row. */
export async function insertWebSession(db: Db, row: NewWebSessionRow): Promise<void> {
  await db.insertInto("web_session").values(row).execute();
}

/** Loads the session whose cookie value hashes to `tokenHash`. */
export async function findWebSessionByHash(db: Db, tokenHash: string): Promise<WebSession | undefined> {
  const row = await db.selectFrom("web_session").selectAll().where("token_hash", "=", tokenHash).executeTakeFirst();
  if (row === undefined) return undefined;
  return {
    id: row.id,
    tokenHash: row.token_hash,
    keyId: row.key_id,
    createdAt: Number(row.created_at),
    expiresAt: Number(row.expires_at),
  };
}

/** Deletes one session (sign-out). */
export async function deleteWebSession(db: Db, id: string): Promise<void> {
  await db.deleteFrom("web_session").where("id", "=", id).execute();
}

/** Deletes the sessions that expired at or before `at`; returns how many. */
export async function deleteExpiredWebSessions(db: Db, at: number): Promise<number> {
  const result = await db.deleteFrom("web_session").where("expires_at", "<=", at).executeTakeFirst();
  return Number(result.numDeletedRows);
}
