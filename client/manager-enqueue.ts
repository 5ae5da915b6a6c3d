/**
 * `enqueue` of the download manager, step by step: check the item id, look the item up
 * (handshake, StatItem), check its name and size, then create the job or reuse the live
 * one for the same destination.
 */
import { randomUUID } from "node:crypto";
import { mkdir, realpath } from "node:fs/promises";
import path from "node:path";
import type { Kysely } from "kysely";
import type { Item } from "../gen/peer/v1/peer_pb.js";
import { classify, DownloadError } from "./errors.js";
import type { ClientEntry } from "./job-context.js";
import type { DownloadEvent } from "./download-events.js";
import type { ClientDatabase } from "./store/database.js";
import * as repo from "./store/download.repository.js";
import { checkFileName } from "./transfer/safe-name.js";

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

/** Refuses an unsafe name or a file over the limit, before any row or file exists. */
export function checkItem(item: Item, itemId: string, maxFileSize: number): void {
  const problem = checkFileName(item.name);
  if (problem !== undefined)
    throw new DownloadError("unsafe-name", `${problem}; refusing to download ${JSON.stringify(itemId)}`);
  if (Number(item.size) > maxFileSize) {
    throw new DownloadError("too-large", `${itemId} is ${item.size} bytes, over the limit of ${maxFileSize}`);
  }
}

/** The destination path: the item's name in the real path of `outDir` (created). */
export async function destinationFor(outDir: string, item: Item): Promise<string> {
  await mkdir(outDir, { recursive: true });
  return path.join(await realpath(outDir), item.name);
}

/** What a new job is made of. */
export interface NewJob {
  readonly peerUrl: string;
  readonly keyRef: string;
  readonly transport: string;
  readonly itemId: string;
  readonly item: Item;
  readonly destination: string;
}

/** Result of {@link createOrReuseJob}. */
export type JobSlot =
  | { readonly kind: "reused"; readonly id: string }
  | { readonly kind: "created"; readonly id: string };

/**
 * Creates the job, or reuses the live one for the same destination when it is the same
 * peer and item (re-running a download resumes it; a paused one is re-queued). Another
 * live job on the destination is refused with "destination-busy".
 */
export async function createOrReuseJob(
  d: Kysely<ClientDatabase>,
  job: NewJob,
  now: () => number,
  emit: (e: DownloadEvent) => void,
): Promise<JobSlot> {
  for (let tries = 0; tries < 3; tries++) {
    const existing = await repo.findLiveByDestination(d, job.destination);
    if (existing !== undefined) {
      if (existing.peer_url !== job.peerUrl || existing.item_id !== job.itemId) {
        throw new DownloadError(
          "destination-busy",
          `${job.destination} is the destination of job ${existing.id} (${existing.item_id}); cancel it or choose another --out`,
        );
      }
      if (existing.status === "paused") {
        const patch = { status: "queued" as const, error_code: null, error_message: null, updated_at: now() };
        await repo.updateDownloadIfStatus(d, existing.id, ["paused"], patch);
      }
      if (existing.key_ref !== job.keyRef || existing.transport !== job.transport) {
        await d
          .updateTable("download")
          .set({ key_ref: job.keyRef, transport: job.transport })
          .where("id", "=", existing.id)
          .execute();
      }
      return { kind: "reused", id: existing.id };
    }
    const id = randomUUID();
    const t = now();
    try {
      await repo.insertDownload(d, newRow(id, job, t));
    } catch (err) {
      if (isUniqueViolation(err)) continue; // someone inserted meanwhile: look again
      throw err;
    }
    emit({
      id,
      fileName: job.item.name,
      time: new Date(t).toISOString(),
      type: "queued",
      destination: job.destination,
    });
    return { kind: "created", id };
  }
  throw new DownloadError("destination-busy", `${job.destination} is being claimed by another process; try again`);
}

function newRow(id: string, job: NewJob, t: number) {
  const { item } = job;
  return {
    id,
    peer_url: job.peerUrl,
    key_ref: job.keyRef,
    transport: job.transport,
    item_id: job.itemId,
    file_name: item.name,
    destination: job.destination,
    part_path: `${job.destination}.part`,
    expected_size: Number(item.size),
    expected_etag: item.etag === "" ? null : item.etag,
    expected_sha256: item.sha256 === "" ? null : item.sha256.toLowerCase(),
    committed_bytes: 0,
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
