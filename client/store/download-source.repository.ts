/**
 * Repository for `download_source` (plain functions, `db`/`trx` first, like
 * download.repository.ts). The same statements on SQLite and PostgreSQL.
 */
import { randomUUID } from "node:crypto";
import type { Db } from "./download.repository.js";
import type { DownloadSourceRow, DownloadSourceUpdate, SourceKind } from "./download-source.table.js";

/** A job's sources, oldest first. */
export async function listSources(db: Db, downloadId: string): Promise<DownloadSourceRow[]> {
  return db
    .selectFrom("download_source")
    .selectAll()
    .where("download_id", "=", downloadId)
    .orderBy("created_at")
    .orderBy("id")
    .execute();
}

/** What {@link upsertSource} adds or refreshes. */
export interface SourceSpec {
  readonly kind: SourceKind;
  readonly url: string;
  /** Peer only. */
  readonly keyRef?: string | null;
  /** Peer only. */
  readonly transport?: string | null;
  /** Peer only: the item id, when known (null: found by pieces root when the job runs). */
  readonly itemId?: string | null;
  /** Peer only: its etag for the content, when known. */
  readonly etag?: string | null;
}

/**
 * Adds a source to a job, or refreshes the one with the same URL: its key, transport and
 * item, and a clean slate for its failures and retry time (the user asked for it again).
 * A ban stays: a source that sent bad bytes is not trusted again by asking twice.
 */
export async function upsertSource(db: Db, downloadId: string, spec: SourceSpec, nowMs: number): Promise<string> {
  const existing = await db
    .selectFrom("download_source")
    .select(["id"])
    .where("download_id", "=", downloadId)
    .where("url", "=", spec.url)
    .executeTakeFirst();
  if (existing !== undefined) {
    await db
      .updateTable("download_source")
      .set({ ...specFields(spec), failures: 0, next_retry_at: null, last_error: null, updated_at: nowMs })
      .where("id", "=", existing.id)
      .execute();
    return existing.id;
  }
  const row = newSourceRow(downloadId, spec, nowMs);
  await db.insertInto("download_source").values(row).execute();
  return row.id;
}

/**
 * The sources of a job that has none yet (a job just inserted): one INSERT of every row, the
 * n-th `created_at` `nowMs + n` (sources list oldest first, in the order given). The URLs must
 * differ (plan-sources.ts makes them so); a job that may have sources takes {@link upsertSource}.
 */
export async function insertSources(
  db: Db,
  downloadId: string,
  specs: readonly SourceSpec[],
  nowMs: number,
): Promise<void> {
  if (specs.length === 0) return;
  await db
    .insertInto("download_source")
    .values(specs.map((spec, i) => newSourceRow(downloadId, spec, nowMs + i)))
    .execute();
}

/**
 * {@link insertSources} for many new jobs in one statement per 1,000 rows (a folder's new file
 * jobs): each job's n-th source gets `created_at` `nowMs + n` of that job, as there.
 */
export async function insertSourcesOfJobs(
  db: Db,
  jobs: ReadonlyArray<{ readonly downloadId: string; readonly specs: readonly SourceSpec[]; readonly nowMs: number }>,
): Promise<void> {
  const rows = jobs.flatMap((j) => j.specs.map((spec, i) => newSourceRow(j.downloadId, spec, j.nowMs + i)));
  for (let i = 0; i < rows.length; i += 1000) {
    await db
      .insertInto("download_source")
      .values(rows.slice(i, i + 1000))
      .execute();
  }
}

/** The columns a spec sets (an unknown item or etag is left as it is). */
function specFields(spec: SourceSpec) {
  return {
    kind: spec.kind,
    key_ref: spec.keyRef ?? null,
    transport: spec.transport ?? null,
    ...(spec.itemId !== undefined && spec.itemId !== null ? { item_id: spec.itemId } : {}),
    ...(spec.etag !== undefined && spec.etag !== null ? { etag: spec.etag } : {}),
  };
}

/** A new row for `spec`: no bytes, failures or ban yet. */
function newSourceRow(downloadId: string, spec: SourceSpec, nowMs: number) {
  return {
    id: randomUUID(),
    download_id: downloadId,
    url: spec.url,
    item_id: null,
    etag: null,
    ...specFields(spec),
    bytes_delivered: 0,
    rate: 0,
    failures: 0,
    next_retry_at: null,
    banned_reason: null,
    last_error: null,
    created_at: nowMs,
    updated_at: nowMs,
  };
}

/** Patches one source. */
export async function updateSource(db: Db, id: string, patch: DownloadSourceUpdate): Promise<void> {
  await db.updateTable("download_source").set(patch).where("id", "=", id).execute();
}

/** Adds verified bytes to a source's count and stores its rate (one statement: no lost update). */
export async function addSourceBytes(db: Db, id: string, bytes: number, rate: number, nowMs: number): Promise<void> {
  await db
    .updateTable("download_source")
    .set((eb) => ({
      bytes_delivered: eb("bytes_delivered", "+", bytes),
      rate: Math.round(rate),
      updated_at: nowMs,
    }))
    .where("id", "=", id)
    .execute();
}

/** Deletes a job's sources (with the job). */
export async function deleteSources(db: Db, downloadId: string): Promise<void> {
  await db.deleteFrom("download_source").where("download_id", "=", downloadId).execute();
}
