/**
 * `enqueue` of the download manager, step by step: check the item id, look the item up
 * (handshake, StatItem), check its name and size, then create the job or reuse the live
 * one for the same content at the destination, adding its sources.
 */
import { randomUUID } from "node:crypto";
import { realpath } from "node:fs/promises";
import path from "node:path";
import type { Kysely, Transaction } from "kysely";
import type { Item } from "../../gen/peer/v1/peer_pb.js";
import { classify, DownloadError } from "../errors.js";
import type { ClientEntry } from "../job/context.js";
import type { DownloadEvent } from "../events/download-events.js";
import type { ClientDatabase } from "../store/database.js";
import { compareJobs, type ContentFacts } from "../job/identity.js";
import { MAX_JOB_SOURCES, type PlannedSources } from "../sources/plan-sources.js";
import * as repo from "../store/download.repository.js";
import * as sourcesRepo from "../store/download-source.repository.js";
import type { SourceSpec } from "../store/download-source.repository.js";
import { type DownloadRow, type DownloadRowUpdate, LIVE_STATUSES } from "../store/download.table.js";
import {
  decideExisting,
  MAX_RENAME_CANDIDATES,
  nameFromItemId,
  renameCandidate,
  type OnExisting,
} from "../transfer/existing-policy.js";
import { plannedPieceLength } from "../pieces/piece-layer-fetch.js";
import { inspectDestination } from "../transfer/existing-destination.js";
import { destinationExists } from "../transfer/part-file.js";
import { ensureDirectory } from "../transfer/safe-fs.js";

/** Refuses an item id that cannot name an item. */
export function checkItemId(itemId: unknown): asserts itemId is string {
  if (typeof itemId !== "string" || itemId === "" || itemId.includes("\0")) {
    throw new DownloadError("invalid-argument", "give an item id such as share/dir/file.txt (see peer ls)");
  }
}

/** Handshake (cached per client) and StatItem; errors classified. */
export async function lookUpItem(entry: ClientEntry, itemId: string, signal: AbortSignal | undefined): Promise<Item> {
  const { client } = entry;
  entry.handshake ??= client.handshake({ signal });
  await entry.handshake.catch((e: unknown) => {
    entry.handshake = undefined;
    throw classify(e);
  });
  return client.statItem(itemId, { signal }).catch((e: unknown) => {
    throw classify(e);
  });
}

/**
 * The local file name: the last segment of the item id the user asked for (never the peer's
 * answer), checked by safe-name.ts before anything is looked up; "unsafe-name" otherwise.
 */
export function localNameOf(itemId: string): string {
  const local = nameFromItemId(itemId);
  if ("problem" in local)
    throw new DownloadError("unsafe-name", `${local.problem}; refusing to download ${JSON.stringify(itemId)}`);
  return local.name;
}

/**
 * Refuses a peer that answers for another item than the one asked ("wrong-item": a protocol
 * error, never retried) or a file over the limit, before any row or file exists.
 */
export function checkItem(item: Item, itemId: string, name: string, maxFileSize: number): void {
  if (item.id !== itemId || item.name !== name) {
    throw new DownloadError(
      "wrong-item",
      `the peer answered for ${JSON.stringify(item.id)} named ${JSON.stringify(item.name)} when asked for ` +
        `${JSON.stringify(itemId)}; refusing it (a faulty or hostile peer, or something between)`,
    );
  }
  if (Number(item.size) > maxFileSize) {
    throw new DownloadError("too-large", `${itemId} is ${item.size} bytes, over the limit of ${maxFileSize}`);
  }
}

/**
 * The destination path: `name` in the real path of `outDir` (its missing directories created by
 * safe-fs.ts, none through a link). An existing file is decided by existing-policy.ts: kept as
 * the destination when it may be the same content (the job proves it when it runs) or with
 * `--overwrite`; refused ("destination-exists"); or, with `--rename`, the first free `name (n).ext`.
 */
export async function destinationFor(outDir: string, name: string, item: Item, mode: OnExisting): Promise<string> {
  const dir = await realpath(await ensureDirectory(outDir));
  const content = { size: Number(item.size), piecesRoot: item.piecesRoot, sha256: item.sha256 };
  for (let n = 0; n <= MAX_RENAME_CANDIDATES; n++) {
    const destination = path.join(dir, n === 0 ? name : renameCandidate(name, n));
    const action = decideExisting(mode, await inspectDestination(destination, content, false));
    if (action === "refuse") throw destinationExists(destination);
    if (action !== "next-name") return destination;
  }
  throw destinationExists(path.join(dir, name), ` (and so do ${MAX_RENAME_CANDIDATES} numbered names)`);
}

/** What a new job is made of. */
export interface NewJob {
  readonly peerUrl: string;
  readonly keyRef: string;
  readonly transport: string;
  readonly itemId: string;
  readonly item: Item;
  readonly destination: string;
  /** The local file name (the item id's last segment). */
  readonly name: string;
  /** What the job does when its destination exists. @default "refuse" */
  readonly onExisting?: OnExisting | undefined;
  /** Extra peers and mirrors (checked by plan-sources.ts). @default none */
  readonly extra?: PlannedSources | undefined;
  /** The folder job the file belongs to (docs/downloads.md "Folder jobs"). @default none */
  readonly folderJobId?: string | undefined;
  /** Fetch in order, the first and last pieces early; true also sets it on a reused job. @default false */
  readonly sequential?: boolean | undefined;
}

/** Result of {@link createOrReuseJob}. */
export type JobSlot =
  | { readonly kind: "reused"; readonly id: string; readonly identity: "same-item" | "same-content" }
  | { readonly kind: "created"; readonly id: string };

/**
 * Creates the job, or reuses the live one for the same destination when it is the same content
 * (client/job/identity.ts): the same peer and item, or the same bytes from another address or
 * peer, which then becomes the job's primary peer; either way the peer is added (or refreshed) as
 * a source with the extra ones, and a paused job is re-queued. Another live job on the
 * destination is refused with "destination-busy" (docs/downloads.md "Sources").
 */
export async function createOrReuseJob(
  d: Kysely<ClientDatabase>,
  job: NewJob,
  now: () => number,
  emit: (e: DownloadEvent) => void,
): Promise<JobSlot> {
  for (let tries = 0; tries < 3; tries++) {
    const existing = await repo.findLiveByDestination(d, job.destination);
    // Undefined: the live job ended, or another process inserted one meanwhile; look again.
    const slot = existing === undefined ? await insertJob(d, job, now, emit) : await reuseJob(d, existing, job, now);
    if (slot !== undefined) return slot;
  }
  throw new DownloadError("destination-busy", `${job.destination} is being claimed by another process; try again`);
}

/** Reuses the live job when it is the same content; undefined when it is no longer live. */
async function reuseJob(
  d: Kysely<ClientDatabase>,
  existing: DownloadRow,
  job: NewJob,
  now: () => number,
): Promise<JobSlot | undefined> {
  const identity = compareJobs(rowFacts(existing), itemFacts(job));
  if (identity === "different") {
    throw new DownloadError(
      "destination-busy",
      `${job.destination} is the destination of job ${existing.id} (${existing.item_id} from ` +
        `${existing.peer_url}), other content than ${job.itemId}; cancel it or choose another --out`,
    );
  }
  const stillLive = await d.transaction().execute(async (trx) => {
    if (!(await takeOver(trx, existing, job, identity, now()))) return false;
    await addSources(trx, existing.id, job, now());
    return true;
  });
  return stillLive ? { kind: "reused", id: existing.id, identity } : undefined;
}

/** Inserts the job and its sources in one transaction; undefined when another live job took the destination. */
async function insertJob(
  d: Kysely<ClientDatabase>,
  job: NewJob,
  now: () => number,
  emit: (e: DownloadEvent) => void,
): Promise<JobSlot | undefined> {
  const id = randomUUID();
  const t = now();
  try {
    await d.transaction().execute(async (trx) => {
      // Two statements: the row, then all its sources (a new job has none to merge with).
      await repo.insertDownload(trx, newRow(id, job, t));
      await sourcesRepo.insertSources(trx, id, sourceSpecs(job), t);
    });
  } catch (err) {
    if (isUniqueViolation(err)) return undefined;
    throw err;
  }
  emit(queuedEvent(id, job, t));
  return { kind: "created", id };
}

/** The `queued` event of a job just inserted. */
export function queuedEvent(id: string, job: NewJob, t: number): DownloadEvent {
  return { id, fileName: job.name, time: new Date(t).toISOString(), type: "queued", destination: job.destination };
}

/** A job to insert with others ({@link insertNewJobs}): its new id and when it was asked for. */
export interface NewJobEntry {
  readonly id: string;
  readonly job: NewJob;
  readonly t: number;
}

/**
 * Inserts many new jobs and their sources with multi-row INSERTs (400 rows a statement), in the
 * caller's transaction: the rows and sources {@link createOrReuseJob} inserts one job at a time.
 * The destinations must be free: a live job on one fails the statement (a unique violation).
 */
export async function insertNewJobs(trx: Transaction<ClientDatabase>, entries: readonly NewJobEntry[]): Promise<void> {
  for (let i = 0; i < entries.length; i += 400) {
    const chunk = entries.slice(i, i + 400);
    // Every row with the same columns: a multi-row INSERT fills a missing one with DEFAULT, which SQLite lacks.
    const rows = chunk.map((e) => ({ pieces_root: null, piece_length: null, ...newRow(e.id, e.job, e.t) }));
    await trx.insertInto("download").values(rows).execute();
  }
  await sourcesRepo.insertSourcesOfJobs(
    trx,
    entries.map((e) => ({ downloadId: e.id, specs: sourceSpecs(e.job), nowMs: e.t })),
  );
}

function rowFacts(row: DownloadRow): ContentFacts {
  return {
    peerUrl: row.peer_url,
    itemId: row.item_id,
    size: row.expected_size === null ? null : Number(row.expected_size),
    etag: row.expected_etag,
    sha256: row.expected_sha256,
    piecesRoot: row.pieces_root ?? null,
  };
}

function itemFacts(job: NewJob): ContentFacts {
  const { item } = job;
  return {
    peerUrl: job.peerUrl,
    itemId: job.itemId,
    size: Number(item.size),
    etag: item.etag,
    sha256: item.sha256,
    piecesRoot: item.piecesRoot,
  };
}

/**
 * Points the live job at the new peer: its key and transport (same item), or, for the same
 * content elsewhere, the peer itself with its item id and etag (the etag is sent as If-Match
 * to the primary; the content was checked equal, so no byte is fetched again). Re-queues a
 * paused job. False when the row is no longer live.
 */
async function takeOver(
  trx: Transaction<ClientDatabase>,
  existing: DownloadRow,
  job: NewJob,
  identity: "same-item" | "same-content",
  t: number,
): Promise<boolean> {
  const { item } = job;
  const patch: DownloadRowUpdate =
    identity === "same-item"
      ? {
          key_ref: job.keyRef,
          transport: job.transport,
          on_existing: job.onExisting ?? "refuse",
          updated_at: t,
          ...sequentialPatch(job),
        }
      : {
          on_existing: job.onExisting ?? "refuse",
          ...sequentialPatch(job),
          peer_url: job.peerUrl,
          key_ref: job.keyRef,
          transport: job.transport,
          item_id: job.itemId,
          expected_etag: item.etag === "" ? existing.expected_etag : item.etag,
          expected_sha256: existing.expected_sha256 ?? (item.sha256 === "" ? null : item.sha256.toLowerCase()),
          updated_at: t,
        };
  // A write first: on SQLite it takes the write lock at once (a read first could not upgrade under load).
  const live = await repo.updateDownloadIfStatus(trx, existing.id, LIVE_STATUSES, patch);
  if (!live) return false;
  const requeue = { status: "queued" as const, error_code: null, error_message: null, updated_at: t };
  await repo.updateDownloadIfStatus(trx, existing.id, ["paused"], requeue);
  return true;
}

/** Asking for `sequential` again sets it on the live job; leaving it out keeps the job's. */
function sequentialPatch(job: NewJob): DownloadRowUpdate {
  return job.sequential === true ? { sequential: 1 } : {};
}

/** The job's primary peer, then the extra peers and mirrors, as sources. */
function sourceSpecs(job: NewJob): SourceSpec[] {
  return [
    {
      kind: "peer",
      url: job.peerUrl,
      keyRef: job.keyRef,
      transport: job.transport,
      itemId: job.itemId,
      etag: job.item.etag === "" ? null : job.item.etag,
    },
    ...(job.extra?.peers ?? []).map((p) => ({
      kind: "peer" as const,
      url: p.url,
      keyRef: p.keyRef,
      transport: p.transport,
      itemId: null,
    })),
    ...(job.extra?.mirrors ?? []).map((url) => ({ kind: "mirror" as const, url })),
  ];
}

/** Adds (or refreshes) the job's primary peer and the extra sources; refuses a job over the limit. */
async function addSources(trx: Transaction<ClientDatabase>, id: string, job: NewJob, t: number): Promise<void> {
  const specs = sourceSpecs(job);
  const urls = new Set((await sourcesRepo.listSources(trx, id)).map((s) => s.url));
  for (const s of specs) urls.add(s.url);
  if (urls.size > MAX_JOB_SOURCES) {
    throw new DownloadError(
      "invalid-argument",
      `job ${id} would have ${urls.size} sources, more than ${MAX_JOB_SOURCES}; give fewer sources, or cancel ` +
        "and delete the job (peer downloads cancel, peer downloads rm) to start it again with the ones you want",
    );
  }
  // One millisecond apart: sources list oldest first, and the ones of one enqueue keep their order.
  for (const [i, s] of specs.entries()) await sourcesRepo.upsertSource(trx, id, s, t + i);
}

function newRow(id: string, job: NewJob, t: number) {
  const { item } = job;
  return {
    id,
    peer_url: job.peerUrl,
    key_ref: job.keyRef,
    transport: job.transport,
    item_id: job.itemId,
    file_name: job.name,
    destination: job.destination,
    part_path: `${job.destination}.part`,
    expected_size: Number(item.size),
    expected_etag: item.etag === "" ? null : item.etag,
    expected_sha256: item.sha256 === "" ? null : item.sha256.toLowerCase(),
    // The job's identity from the start (docs/downloads.md "Job identity"); a peer still hashing has none yet.
    ...(/^[0-9a-f]{64}$/.test(item.piecesRoot) && item.pieceLength > 0n
      ? { pieces_root: item.piecesRoot, piece_length: plannedPieceLength(Number(item.size), Number(item.pieceLength)) }
      : {}),
    folder_job_id: job.folderJobId ?? null,
    committed_bytes: 0,
    on_existing: job.onExisting ?? "refuse",
    sequential: job.sequential === true ? 1 : 0,
    status: "queued" as const,
    attempts: 0,
    restarts: 0,
    created_at: t,
    updated_at: t,
  };
}

/** True for a unique-constraint violation (SQLite: SQLITE_CONSTRAINT_UNIQUE; PostgreSQL: 23505). */
export function isUniqueViolation(err: unknown): boolean {
  const code = (err as { code?: unknown } | null)?.code;
  return code === "SQLITE_CONSTRAINT_UNIQUE" || code === "23505";
}
