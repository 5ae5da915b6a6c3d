import { sql, type Kysely, type Transaction } from "kysely";
import type { ServerDatabase } from "./database.js";
import type { NewShareLinkRow, ShareLinkRow } from "./share-link.table.js";

type Db = Kysely<ServerDatabase> | Transaction<ServerDatabase>;

/** A share link with its bigint columns as numbers (PostgreSQL returns them as strings). */
export interface ShareLink {
  readonly id: string;
  readonly tokenHash: string;
  readonly target: string;
  readonly note: string | null;
  readonly createdBy: string | null;
  readonly createdAt: number;
  readonly expiresAt: number | null;
  readonly revokedAt: number | null;
  readonly maxDownloads: number | null;
  readonly bytesServed: number;
  readonly lastUsedAt: number | null;
  /** Whether the creating key (`createdBy`) still has a row; true when there is no creator. */
  readonly creatorFound: boolean;
  /** The creating key's revocation time, or null (also when there is no creator). */
  readonly creatorRevokedAt: number | null;
  /** The creating key's expiry, or null (also when there is no creator). */
  readonly creatorExpiresAt: number | null;
}

/** A link row with its creating key's lifecycle columns (left join on `api_key`). */
type LinkWithCreatorRow = ShareLinkRow & {
  creator_id: string | null;
  creator_revoked_at: number | string | null;
  creator_expires_at: number | string | null;
};

const num = (v: number | string): number => Number(v);
const numOrNull = (v: number | string | null): number | null => (v === null ? null : Number(v));

function toLink(row: LinkWithCreatorRow): ShareLink {
  return {
    id: row.id,
    tokenHash: row.token_hash,
    target: row.target,
    note: row.note,
    createdBy: row.created_by,
    createdAt: num(row.created_at),
    expiresAt: numOrNull(row.expires_at),
    revokedAt: numOrNull(row.revoked_at),
    maxDownloads: numOrNull(row.max_downloads),
    bytesServed: num(row.bytes_served),
    lastUsedAt: numOrNull(row.last_used_at),
    creatorFound: row.created_by === null || row.creator_id !== null,
    creatorRevokedAt: numOrNull(row.creator_revoked_at),
    creatorExpiresAt: numOrNull(row.creator_expires_at),
  };
}

/** `share_link` joined with the key that created each link, so one read decides whether a link still works. */
function linksWithCreator(db: Db) {
  return db
    .selectFrom("share_link")
    .leftJoin("api_key", "api_key.id", "share_link.created_by")
    .selectAll("share_link")
    .select([
      "api_key.id as creator_id",
      "api_key.revoked_at as creator_revoked_at",
      "api_key.expires_at as creator_expires_at",
    ]);
}

/** Inserts a new link row. */
export async function insertShareLink(db: Db, row: NewShareLinkRow): Promise<void> {
  await db.insertInto("share_link").values(row).execute();
}

/** Loads the link whose token hashes to `tokenHash`. */
export async function findShareLinkByHash(db: Db, tokenHash: string): Promise<ShareLink | undefined> {
  const row = await linksWithCreator(db).where("share_link.token_hash", "=", tokenHash).executeTakeFirst();
  return row === undefined ? undefined : toLink(row);
}

/** Loads one link by its public id. */
export async function findShareLinkById(db: Db, id: string): Promise<ShareLink | undefined> {
  const row = await linksWithCreator(db).where("share_link.id", "=", id).executeTakeFirst();
  return row === undefined ? undefined : toLink(row);
}

/** All links, oldest first. */
export async function listShareLinks(db: Db): Promise<ShareLink[]> {
  const rows = await linksWithCreator(db).orderBy("share_link.created_at").orderBy("share_link.id").execute();
  return rows.map(toLink);
}

/**
 * Links to `target` made by key `createdBy` that are not revoked and expire
 * after `after` (ms), newest first: the candidates a torrent may reuse.
 */
export async function findLiveLinksOf(db: Db, target: string, createdBy: string, after: number): Promise<ShareLink[]> {
  const rows = await linksWithCreator(db)
    .where("share_link.target", "=", target)
    .where("share_link.created_by", "=", createdBy)
    .where("share_link.revoked_at", "is", null)
    .where("share_link.expires_at", ">", after)
    .orderBy("share_link.created_at", "desc")
    .limit(16)
    .execute();
  return rows.map(toLink);
}

/** Marks a link revoked at `at` unless it already is. Returns whether a link with this id exists. */
export async function revokeShareLink(db: Db, id: string, at: number): Promise<boolean> {
  await db
    .updateTable("share_link")
    .set({ revoked_at: at })
    .where("id", "=", id)
    .where("revoked_at", "is", null)
    .execute();
  return (await findShareLinkById(db, id)) !== undefined;
}

/**
 * Charges `bytes` to a live link in one conditional statement (two requests at
 * once cannot both take the last of a budget): only while it is not revoked
 * and, when `budget` is given, only while fewer than `budget` bytes were
 * charged. Returns whether the charge was made.
 */
export async function chargeShareLink(
  db: Db,
  id: string,
  bytes: number,
  budget: number | null,
  at: number,
): Promise<boolean> {
  let query = db
    .updateTable("share_link")
    .set({ bytes_served: sql<number>`bytes_served + ${bytes}`, last_used_at: at })
    .where("id", "=", id)
    .where("revoked_at", "is", null);
  if (budget !== null) query = query.where("bytes_served", "<", budget);
  const result = await query.executeTakeFirst();
  return result.numUpdatedRows > 0n;
}

/** Gives back bytes charged but not delivered (the client went away early). */
export async function refundShareLink(db: Db, id: string, bytes: number): Promise<void> {
  if (bytes <= 0) return;
  await db
    .updateTable("share_link")
    .set({ bytes_served: sql<number>`bytes_served - ${bytes}` })
    .where("id", "=", id)
    .execute();
}
