/**
 * The download manager's commands on one job: enqueue, cancel, pause, retry, delete, each a step over
 * the manager's state (manager-state.ts). See docs/downloads.md for the states they move a job between.
 */
import path from "node:path";
import { DownloadError } from "../errors.js";
import type { DownloadEvent } from "../events/download-events.js";
import { planSources } from "../sources/plan-sources.js";
import { makeCommitsDurable } from "../store/database.js";
import { toDownload, type Download } from "../store/download-mapper.js";
import { deleteSources } from "../store/download-source.repository.js";
import * as repo from "../store/download.repository.js";
import { LIVE_STATUSES, RUNNABLE_STATUSES, type DownloadRow } from "../store/download.table.js";
import { deleteJobFiles } from "./delete-job-files.js";
import {
  checkItem,
  checkItemId,
  createOrReuseJob,
  destinationFor,
  isUniqueViolation,
  localNameOf,
  lookUpItem,
} from "./enqueue.js";
import type { DeleteResult, EnqueueOptions, PeerRef } from "./manager-api.js";
import { base, database, emit, register, requireRow, schedule, type ManagerState } from "./manager-state.js";

/** Looks the item up, checks its name, creates (or reuses) the job and schedules it; returns the job id. */
export async function enqueueJob(
  s: ManagerState,
  peer: PeerRef,
  itemId: string,
  options: EnqueueOptions = {},
): Promise<string> {
  const d = database(s);
  checkItemId(itemId);
  const { peerUrl, keyRef: ref, transport } = register(s, peer);
  const extra = planSources({
    primaryUrl: peerUrl,
    sources: options.sources,
    mirrors: options.mirrors,
    defaultTransport: s.o.transport,
  });
  for (const source of extra.peers) s.keys.set(source.keyRef, source.key);
  const entry = s.jobContext.clientFor({ peer_url: peerUrl, transport, key_ref: ref });
  if (entry === undefined) throw new Error("unreachable: key registered above");
  const name = localNameOf(itemId);
  const item = await lookUpItem(entry, itemId, options.signal);
  checkItem(item, itemId, name, s.o.maxFileSize);
  const onExisting = options.onExisting ?? "refuse";
  const outDir = path.resolve(options.outDir ?? s.downloadDir);
  const destination = await destinationFor(outDir, name, item, onExisting);
  const job = {
    peerUrl: entry.client.baseUrl,
    keyRef: ref,
    transport,
    itemId,
    item,
    destination,
    name,
    onExisting,
    extra,
    sequential: options.sequential,
  };
  const slot = await createOrReuseJob(d, job, s.now, (e) => emit(s, e));
  schedule(s, slot.id);
  return slot.id;
}

/** Cancels a job (never retried); the part file stays until `delete`. */
export async function cancelJob(s: ManagerState, id: string): Promise<Download> {
  const row = await requireRow(s, id);
  const ok = await repo.updateDownloadIfStatus(database(s), row.id, [...LIVE_STATUSES, "failed"], {
    status: "cancelled",
    ...released(s),
  });
  if (!ok)
    throw new DownloadError(
      "invalid-argument",
      `job ${row.id} is ${row.status}; only unfinished jobs can be cancelled`,
    );
  return stopJob(s, row, new DownloadError("cancelled", "cancelled by the user"), {
    ...base(s, row),
    type: "cancelled",
  });
}

/** Pauses a queued or running job (the attempt stops, the part and committed offset stay). */
export async function pauseJob(s: ManagerState, id: string): Promise<Download> {
  const row = await requireRow(s, id);
  const error = new DownloadError("paused-by-user", "paused by the user; retry resumes it");
  const ok = await repo.updateDownloadIfStatus(database(s), row.id, RUNNABLE_STATUSES, {
    status: "paused",
    error_code: error.code,
    error_message: error.message,
    ...released(s),
  });
  if (!ok)
    throw new DownloadError(
      "invalid-argument",
      `job ${row.id} is ${row.status}; only queued or running jobs can be paused`,
    );
  const event: DownloadEvent = {
    ...base(s, row),
    type: "paused",
    error: { code: error.code, message: error.message },
  };
  return stopJob(s, row, error, event);
}

/** Re-queues a failed, paused or cancelled job and runs it here. */
export async function retryJob(s: ManagerState, id: string): Promise<Download> {
  const d = database(s);
  const row = await requireRow(s, id);
  try {
    const ok = await repo.updateDownloadIfStatus(d, row.id, ["failed", "paused", "cancelled"], {
      status: "queued",
      error_code: null,
      error_message: null,
      ...released(s),
    });
    if (!ok)
      throw new DownloadError(
        "invalid-argument",
        `job ${row.id} is ${row.status}; only failed, paused or cancelled jobs can be retried`,
      );
  } catch (err) {
    if (isUniqueViolation(err))
      throw new DownloadError("destination-busy", `another live job writes ${row.destination}; cancel it first`);
    throw err;
  }
  schedule(s, row.id);
  return toDownload((await repo.getDownloadRow(d, row.id)) ?? row);
}

/** Deletes a job that is not running, with its files unless `{ files: false }` (delete-job-files.ts). */
export async function deleteJob(s: ManagerState, id: string, options: { files?: boolean } = {}): Promise<DeleteResult> {
  const d = database(s);
  const row = await requireRow(s, id);
  if (RUNNABLE_STATUSES.includes(row.status)) {
    throw new DownloadError("invalid-argument", `job ${row.id} is ${row.status}; cancel it before deleting it`);
  }
  const result: DeleteResult =
    (options.files ?? true) ? await deleteJobFiles(d, row, s.downloadDir) : { removed: [], kept: [] };
  await repo.deleteDownloadRow(d, row.id);
  await deleteSources(d, row.id);
  return result;
}

/** A user's decision releases the job: no lease, no scheduled attempt. */
function released(s: ManagerState) {
  return { lease_owner: null, lease_expires_at: null, next_attempt_at: null, updated_at: s.now() };
}

/** After a user's cancel or pause is stored: make it durable, stop the run (or say so), return the job. */
async function stopJob(
  s: ManagerState,
  row: DownloadRow,
  reason: DownloadError,
  event: DownloadEvent,
): Promise<Download> {
  const d = database(s);
  // Stop the run at once, with the user's reason. Waiting for the fsync first let the run's
  // lease renewal see the released row, end as "lease-lost" and report the stop from the row,
  // and then this call reported it a second time (a flaky "two paused events" under load).
  const run = s.running.get(row.id);
  run?.ctl.abort(reason);
  // A user's decision must survive a power loss (WAL + synchronous=NORMAL defers the fsync).
  await makeCommitsDurable(d);
  if (run !== undefined) await run.done;
  else emit(s, event);
  return toDownload((await repo.getDownloadRow(d, row.id)) ?? row);
}
