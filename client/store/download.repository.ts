/**
 * Repository for the `download` table: plain functions, `db`/`trx` first
 * (Kysely's example app). Statements are dialect-neutral (no RETURNING, no
 * upserts): a claim is a compare-and-set UPDATE whose row count says who won.
 */
import type { Kysely, Transaction } from "kysely";
import type { ClientDatabase } from "./database.js";
import {
  LIVE_STATUSES,
  RUNNABLE_STATUSES,
  type DownloadRow,
  type DownloadRowUpdate,
  type DownloadStatus,
  type NewDownloadRow,
} from "./download.table.js";

/** A database or a transaction. */
export type Db = Kysely<ClientDatabase> | Transaction<ClientDatabase>;

function changed(result: { numUpdatedRows: bigint } | { numDeletedRows: bigint }): boolean {
  return ("numUpdatedRows" in result ? result.numUpdatedRows : result.numDeletedRows) > 0n;
}

/** Inserts a row; fails with a unique-constraint error when a live row holds the destination. */
export async function insertDownload(db: Db, row: NewDownloadRow): Promise<void> {
  await db.insertInto("download").values(row).execute();
}

/** One row by exact id. */
export async function getDownloadRow(db: Db, id: string): Promise<DownloadRow | undefined> {
  return db.selectFrom("download").selectAll().where("id", "=", id).executeTakeFirst();
}

/** Rows whose id starts with `prefix` (for short ids typed by users). */
export async function findDownloadRowsByIdPrefix(db: Db, prefix: string): Promise<DownloadRow[]> {
  // substr() rather than LIKE: no escaping, and the same on SQLite and PostgreSQL.
  return db
    .selectFrom("download")
    .selectAll()
    .where((eb) => eb(eb.fn<string>("substr", ["id", eb.val(1), eb.val(prefix.length)]), "=", prefix))
    .limit(2)
    .execute();
}

/** Rows, newest first, optionally filtered by status. */
export async function listDownloadRows(db: Db, statuses?: readonly DownloadStatus[]): Promise<DownloadRow[]> {
  let q = db.selectFrom("download").selectAll();
  if (statuses !== undefined && statuses.length > 0) q = q.where("status", "in", statuses);
  return q.orderBy("created_at", "desc").orderBy("id").execute();
}

/** The live row holding a destination, if any. */
export async function findLiveByDestination(db: Db, destination: string): Promise<DownloadRow | undefined> {
  return db
    .selectFrom("download")
    .selectAll()
    .where("destination", "=", destination)
    .where("status", "in", LIVE_STATUSES)
    .executeTakeFirst();
}

/** Live rows other than `id` that refer to a path (as destination or part). */
export async function countOtherLiveRowsReferring(db: Db, id: string, paths: readonly string[]): Promise<number> {
  const rows = await db
    .selectFrom("download")
    .select("id")
    .where("id", "!=", id)
    .where("status", "in", LIVE_STATUSES)
    .where((eb) => eb.or([eb("destination", "in", paths), eb("part_path", "in", paths)]))
    .execute();
  return rows.length;
}

/** Runnable rows nobody holds (no lease, or an expired one), oldest first. */
export async function findClaimableRows(db: Db, nowMs: number): Promise<DownloadRow[]> {
  return db
    .selectFrom("download")
    .selectAll()
    .where("status", "in", RUNNABLE_STATUSES)
    .where((eb) => eb.or([eb("lease_owner", "is", null), eb("lease_expires_at", "<", nowMs)]))
    .orderBy("created_at")
    .orderBy("id")
    .execute();
}

/** Runnable rows held by a lease (to probe for dead owners). */
export async function findLeasedRows(db: Db): Promise<DownloadRow[]> {
  return db
    .selectFrom("download")
    .selectAll()
    .where("status", "in", RUNNABLE_STATUSES)
    .where("lease_owner", "is not", null)
    .execute();
}

/** Claim request. */
export interface ClaimParams {
  id: string;
  owner: string;
  nowMs: number;
  leaseMs: number;
  /** The previous owner, when the caller verified it is dead. */
  deadOwner?: string | undefined;
}

/**
 * Takes the lease of a runnable row when it is free, expired, already ours, or
 * held by `deadOwner`. Returns true when this caller now holds it.
 */
export async function claimDownload(db: Db, p: ClaimParams): Promise<boolean> {
  const result = await db
    .updateTable("download")
    .set({ lease_owner: p.owner, lease_expires_at: p.nowMs + p.leaseMs, updated_at: p.nowMs })
    .where("id", "=", p.id)
    .where("status", "in", RUNNABLE_STATUSES)
    .where((eb) => {
      const ors = [eb("lease_owner", "is", null), eb("lease_expires_at", "<", p.nowMs), eb("lease_owner", "=", p.owner)];
      if (p.deadOwner !== undefined) ors.push(eb("lease_owner", "=", p.deadOwner));
      return eb.or(ors);
    })
    .executeTakeFirst();
  return changed(result);
}

/** Extends our lease; false when it is no longer ours (someone reclaimed it). */
export async function renewLease(db: Db, id: string, owner: string, nowMs: number, leaseMs: number): Promise<boolean> {
  const result = await db
    .updateTable("download")
    .set({ lease_expires_at: nowMs + leaseMs })
    .where("id", "=", id)
    .where("lease_owner", "=", owner)
    .executeTakeFirst();
  return changed(result);
}

/** Updates a row we hold the lease of; false when the lease is gone. */
export async function updateOwnedDownload(db: Db, id: string, owner: string, patch: DownloadRowUpdate): Promise<boolean> {
  const result = await db
    .updateTable("download")
    .set(patch)
    .where("id", "=", id)
    .where("lease_owner", "=", owner)
    .executeTakeFirst();
  return changed(result);
}

/** Updates a row when its status is one of `from` (user actions); false otherwise. */
export async function updateDownloadIfStatus(
  db: Db,
  id: string,
  from: readonly DownloadStatus[],
  patch: DownloadRowUpdate,
): Promise<boolean> {
  const result = await db
    .updateTable("download")
    .set(patch)
    .where("id", "=", id)
    .where("status", "in", from)
    .executeTakeFirst();
  return changed(result);
}

/** Deletes a row. */
export async function deleteDownloadRow(db: Db, id: string): Promise<boolean> {
  return changed(await db.deleteFrom("download").where("id", "=", id).executeTakeFirst());
}
