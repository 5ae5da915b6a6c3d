/**
 * A download manager's lifecycle: start (open the database, reclaim interrupted jobs, run the queue),
 * the queue worker's step, waiting, and close. Steps over the manager's state (manager-state.ts).
 */
import { DownloadError } from "../errors.js";
import { reclaimStaleJobs } from "../job/reclaim.js";
import { openDownloadsDatabase } from "../store/database.js";
import type { Download } from "../store/download-mapper.js";
import * as repo from "../store/download.repository.js";
import type { StartOptions } from "./manager-api.js";
import { database, schedule, type ManagerState } from "./manager-state.js";
import { waitForJob, waitForJobs, type WaitDeps } from "./wait-for-job.js";

/** Opens the database, reclaims interrupted jobs (dead owners, duplicates), and runs the queue if asked. */
export async function startManager(s: ManagerState, options: StartOptions = {}): Promise<void> {
  if (s.started) return;
  if (s.db === undefined) {
    const { dataDir, databaseUrl } = s.options;
    if (dataDir === undefined && !databaseUrl)
      throw new Error("createDownloadManager needs dataDir, databaseUrl or db");
    s.db = await openDownloadsDatabase(dataDir ?? process.cwd(), { databaseUrl });
  }
  s.started = true;
  s.runJobs = options.runJobs ?? true;
  await reclaimStaleJobs(s.jobContext);
  if (s.runJobs && (options.runQueue ?? true)) {
    for (const row of await repo.findClaimableRows(database(s), s.now())) schedule(s, row.id);
  }
}

/** Claims the oldest runnable job nobody holds and runs it here; undefined when none is free. */
export async function runNextJob(s: ManagerState): Promise<string | undefined> {
  if (s.closed || !s.runJobs) return undefined;
  const next = await repo.claimNextDownload(database(s), {
    owner: s.jobContext.owner,
    nowMs: s.now(),
    leaseMs: s.o.leaseMs,
  });
  if (next !== undefined) schedule(s, next.id);
  return next?.id;
}

/** Resolves when the job reaches a final or paused state; rejects with "shutdown" if the manager closes first. */
export function waitJob(s: ManagerState, id: string): Promise<Download> {
  return waitForJob(waitDeps(s), id);
}

/** Resolves when every job of `ids` has reached a final or paused state ({@link waitJob} for many). */
export function waitJobs(s: ManagerState, ids: readonly string[]): Promise<void> {
  return waitForJobs({ ...waitDeps(s), getRows: (jobIds) => repo.getDownloadRows(database(s), jobIds) }, ids);
}

/** What waiting for jobs reads from the manager: rows, running jobs, events, and its close. */
function waitDeps(s: ManagerState): WaitDeps {
  return {
    getRow: (jobId) => repo.getDownloadRow(database(s), jobId),
    runOf: (jobId) => s.running.get(jobId)?.done,
    on: (listener) => {
      s.listeners.add(listener);
      return () => s.listeners.delete(listener);
    },
    onClose: (reject) => {
      s.waiters.add(reject);
      return () => s.waiters.delete(reject);
    },
  };
}

/** Resolves when no job runs in this manager. */
export async function drainManager(s: ManagerState): Promise<void> {
  while (s.running.size > 0) await Promise.all([...s.running.values()].map((r) => r.done));
}

/** Aborts attempts, leaves rows resumable (`queued`), closes the database if the manager opened it. */
export async function closeManager(s: ManagerState): Promise<void> {
  if (s.closed) return;
  const runs = [...s.running.values()];
  for (const r of runs) r.ctl.abort(new DownloadError("shutdown", "the download manager is closing"));
  await Promise.all(runs.map((r) => r.done));
  s.closed = true;
  for (const w of [...s.waiters])
    w(new DownloadError("shutdown", "the download manager closed before the job finished; it stays resumable"));
  for (const { client } of s.clients.values()) client.close();
  if (s.options.db === undefined) await s.db?.destroy();
}
