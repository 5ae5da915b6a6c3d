/**
 * Repository for the `download` table: plain functions, `db`/`trx` first
 * (Kysely's example app). Statements run on SQLite and PostgreSQL: a claim is a
 * compare-and-set UPDATE that increments the fencing token and returns it; the
 * queue's "next job" claim adds `FOR UPDATE SKIP LOCKED` on PostgreSQL, where
 * several workers claim at once (SQLite serialises writers anyway).
 */
import type { ExpressionBuilder, Kysely, Transaction } from "kysely";
import { isPostgres } from "../../common/store/dialect.js";
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

/** The rows of `ids` that exist, in no particular order (500 ids a query). */
export async function getDownloadRows(db: Db, ids: readonly string[]): Promise<DownloadRow[]> {
  const out: DownloadRow[] = [];
  for (let i = 0; i < ids.length; i += 500) {
    out.push(
      ...(await db
        .selectFrom("download")
        .selectAll()
        .where("id", "in", ids.slice(i, i + 500))
        .execute()),
    );
  }
  return out;
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

/**
 * The destinations among `destinations` a live row holds: {@link findLiveByDestination} for many
 * at once (a folder's new files: one query per 500 destinations instead of one per file).
 */
export async function findLiveDestinations(db: Db, destinations: readonly string[]): Promise<Set<string>> {
  const out = new Set<string>();
  for (let i = 0; i < destinations.length; i += 500) {
    const rows = await db
      .selectFrom("download")
      .select("destination")
      .where("destination", "in", destinations.slice(i, i + 500))
      .where("status", "in", LIVE_STATUSES)
      .execute();
    for (const r of rows) out.add(r.destination);
  }
  return out;
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
  return (await claimDownloadLease(db, p)) !== undefined;
}

/**
 * {@link claimDownload}, returning the new fencing token (every claim increments it, so a
 * claim by the same owner also fences off that owner's older attempt); undefined when not won.
 */
export async function claimDownloadLease(db: Db, p: ClaimParams): Promise<number | undefined> {
  const row = await db
    .updateTable("download")
    .set((eb) => ({
      lease_owner: p.owner,
      lease_expires_at: p.nowMs + p.leaseMs,
      lease_token: eb("lease_token", "+", 1),
      updated_at: p.nowMs,
    }))
    .where("id", "=", p.id)
    .where("status", "in", RUNNABLE_STATUSES)
    .where((eb) => eb.or(leaseFree(eb, p)))
    .returning("lease_token")
    .executeTakeFirst();
  return row === undefined ? undefined : Number(row.lease_token);
}

/**
 * {@link claimDownloadLease} that also starts an attempt, in the same statement: the row becomes
 * `downloading` with one attempt more and no retry time, and comes back whole (the claimer reads
 * it no more). Undefined when not won. docs/downloads.md "One job": one statement instead of three.
 */
export async function claimAndStart(db: Db, p: ClaimParams): Promise<DownloadRow | undefined> {
  return db
    .updateTable("download")
    .set((eb) => ({
      lease_owner: p.owner,
      lease_expires_at: p.nowMs + p.leaseMs,
      lease_token: eb("lease_token", "+", 1),
      status: "downloading" as const,
      attempts: eb("attempts", "+", 1),
      next_attempt_at: null,
      updated_at: p.nowMs,
    }))
    .where("id", "=", p.id)
    .where("status", "in", RUNNABLE_STATUSES)
    .where((eb) => eb.or(leaseFree(eb, p)))
    .returningAll()
    .executeTakeFirst();
}

/** The lease may be taken: free, expired, already ours, or held by the dead owner the caller found. */
function leaseFree(eb: ExpressionBuilder<ClientDatabase, "download">, p: ClaimParams) {
  const ors = [eb("lease_owner", "is", null), eb("lease_expires_at", "<", p.nowMs), eb("lease_owner", "=", p.owner)];
  if (p.deadOwner !== undefined) ors.push(eb("lease_owner", "=", p.deadOwner));
  return ors;
}

/** What {@link claimNextDownload} needs. */
export interface ClaimNextParams {
  owner: string;
  nowMs: number;
  leaseMs: number;
}

/**
 * Claims the oldest runnable row nobody holds (no lease, or an expired one) for `owner`: the
 * queue's "next job". On PostgreSQL the candidate is picked `FOR UPDATE SKIP LOCKED`, so workers
 * claiming at once each get a different row without waiting on each other.
 */
export async function claimNextDownload(
  db: Db,
  p: ClaimNextParams,
): Promise<{ id: string; token: number } | undefined> {
  const row = await db
    .updateTable("download")
    .set((eb) => ({
      lease_owner: p.owner,
      lease_expires_at: p.nowMs + p.leaseMs,
      lease_token: eb("lease_token", "+", 1),
      updated_at: p.nowMs,
    }))
    .where("id", "=", (eb) => {
      const next = eb
        .selectFrom("download")
        .select("id")
        .where("status", "in", RUNNABLE_STATUSES)
        .where((w) => w.or([w("lease_owner", "is", null), w("lease_expires_at", "<", p.nowMs)]))
        .orderBy("created_at")
        .orderBy("id")
        .limit(1);
      return isPostgres(db) ? next.forUpdate().skipLocked() : next;
    })
    // Re-checked on the row itself: on PostgreSQL the picked row is locked, on SQLite the write is atomic.
    .where("status", "in", RUNNABLE_STATUSES)
    .where((eb) => eb.or([eb("lease_owner", "is", null), eb("lease_expires_at", "<", p.nowMs)]))
    .returning(["id", "lease_token"])
    .executeTakeFirst();
  return row === undefined ? undefined : { id: row.id, token: Number(row.lease_token) };
}

/** Extends our lease; false when it is no longer ours (someone reclaimed it, or a newer claim of ours). */
export async function renewLease(
  db: Db,
  id: string,
  owner: string,
  nowMs: number,
  leaseMs: number,
  token?: number,
): Promise<boolean> {
  let q = db
    .updateTable("download")
    .set({ lease_expires_at: nowMs + leaseMs })
    .where("id", "=", id)
    .where("lease_owner", "=", owner);
  if (token !== undefined) q = q.where("lease_token", "=", token);
  return changed(await q.executeTakeFirst());
}

/**
 * Updates a row we hold the lease of; false when the lease is gone. With `token`, only the
 * claim that got this token may write (the fencing check).
 */
export async function updateOwnedDownload(
  db: Db,
  id: string,
  owner: string,
  patch: DownloadRowUpdate,
  token?: number,
): Promise<boolean> {
  let q = db.updateTable("download").set(patch).where("id", "=", id).where("lease_owner", "=", owner);
  if (token !== undefined) q = q.where("lease_token", "=", token);
  return changed(await q.executeTakeFirst());
}

/** Who must hold a row for {@link renameFenced}. */
export interface FenceParams {
  id: string;
  owner: string;
  token: number;
  nowMs: number;
  leaseMs: number;
}

/**
 * Runs `rename` (the part onto the destination) only while this claim holds the row: in one
 * transaction, a write that checks owner and token (and extends the lease) locks the row —
 * PostgreSQL's row lock, SQLite's write lock — then the rename runs, then the commit releases
 * it. No other worker can claim the row in between. False, without renaming, when the lease is gone.
 */
export async function renameFenced(
  db: Kysely<ClientDatabase>,
  p: FenceParams,
  rename: () => Promise<void>,
): Promise<boolean> {
  return db.transaction().execute(async (trx) => {
    const held = await trx
      .updateTable("download")
      .set({ lease_expires_at: p.nowMs + p.leaseMs, updated_at: p.nowMs })
      .where("id", "=", p.id)
      .where("lease_owner", "=", p.owner)
      .where("lease_token", "=", p.token)
      .where("status", "in", RUNNABLE_STATUSES)
      .executeTakeFirst();
    if (!changed(held)) return false;
    await rename();
    return true;
  });
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
  await db.deleteFrom("download_source").where("download_id", "=", id).execute();
  return changed(await db.deleteFrom("download").where("id", "=", id).executeTakeFirst());
}
