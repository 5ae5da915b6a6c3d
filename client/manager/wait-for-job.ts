/**
 * `wait` of the download manager: resolves with the job once it is terminal and no run
 * of it is left in this process; rejects when the manager closes first.
 */
import { DownloadError } from "../errors.js";
import type { DownloadListener } from "../events/download-events.js";
import { toDownload, type Download } from "../store/download-mapper.js";
import { TERMINAL_STATUSES, type DownloadRow } from "../store/download.table.js";

/** What {@link waitForJob} needs from the manager. */
export interface WaitDeps {
  getRow(id: string): Promise<DownloadRow | undefined>;
  /** The promise of the job's run in this process, if it runs. */
  runOf(id: string): Promise<void> | undefined;
  on(listener: DownloadListener): () => void;
  /** Registers a function called when the manager closes; returns its removal. */
  onClose(reject: (error: DownloadError) => void): () => void;
}

/** Waits for job `id` to end. */
export function waitForJob(deps: WaitDeps, id: string): Promise<Download> {
  return new Promise<Download>((resolve, reject) => {
    let settled = false;
    const settle = (fn: () => void) => {
      if (settled) return;
      settled = true;
      offEvents();
      offClose();
      fn();
    };
    const check = async (): Promise<Download | undefined> => {
      const row = await deps.getRow(id);
      if (row === undefined) throw new DownloadError("not-found", `no download job ${id}`);
      return TERMINAL_STATUSES.includes(row.status) && deps.runOf(id) === undefined ? toDownload(row) : undefined;
    };
    const finish = (p: Promise<Download | undefined>) =>
      p.then(
        (dl) => {
          if (dl !== undefined) settle(() => resolve(dl));
        },
        (err: unknown) => settle(() => reject(err)),
      );
    const offClose = deps.onClose((error) => settle(() => reject(error)));
    const offEvents = deps.on((e) => {
      if (e.id !== id) return;
      if (e.type === "completed" || e.type === "failed" || e.type === "paused" || e.type === "cancelled") {
        // The job's promise settles right after its last event.
        finish((deps.runOf(id) ?? Promise.resolve()).then(check));
      }
    });
    finish(check());
  });
}

/** What {@link waitForJobs} needs: {@link WaitDeps}, and the rows of many jobs in one read. */
export interface WaitManyDeps extends WaitDeps {
  /** The rows of `ids` that exist (any order). */
  getRows(ids: readonly string[]): Promise<DownloadRow[]>;
}

/**
 * Waits for every job of `ids` to end, as {@link waitForJob} does for each, with one listener and
 * one read of all the rows at the start instead of one of each (a folder's 1,000 file jobs: 1,000
 * listeners, each called for every event of every file, and 1,000 reads; docs/performance.md).
 * Rejects as soon as one wait would (a job missing, the manager closing).
 */
export function waitForJobs(deps: WaitManyDeps, ids: readonly string[]): Promise<void> {
  const left = new Set(ids);
  if (left.size === 0) return Promise.resolve();
  return new Promise<void>((resolve, reject) => {
    let settled = false;
    const settle = (error?: unknown) => {
      if (settled) return;
      settled = true;
      offEvents();
      offClose();
      if (error === undefined) resolve();
      else reject(error);
    };
    const ended = (row: DownloadRow | undefined, id: string): boolean => {
      if (row === undefined) throw new DownloadError("not-found", `no download job ${id}`);
      return TERMINAL_STATUSES.includes(row.status) && deps.runOf(id) === undefined;
    };
    const done = (id: string) => {
      left.delete(id);
      if (left.size === 0) settle();
    };
    const offClose = deps.onClose((error) => settle(error));
    const recheck = (id: string) =>
      (deps.runOf(id) ?? Promise.resolve())
        .then(() => deps.getRow(id))
        .then((row) => {
          if (ended(row, id)) done(id);
        })
        .catch(settle);
    const offEvents = deps.on((e) => {
      if (!left.has(e.id)) return;
      // The job's promise settles right after its last event. `completed` is final (its row was
      // committed, and made durable, before the event; nothing re-queues a completed job): no read.
      if (e.type === "completed") {
        const id = e.id;
        (deps.runOf(id) ?? Promise.resolve()).then(() => done(id)).catch(settle);
      } else if (e.type === "failed" || e.type === "paused" || e.type === "cancelled") recheck(e.id);
    });
    deps
      .getRows([...left])
      .then((rows) => {
        const byId = new Map(rows.map((r) => [r.id, r]));
        for (const id of [...left]) {
          const row = byId.get(id);
          if (ended(row, id)) done(id);
          // Ended, its run still settling (its last event may have come before our listener).
          else if (row !== undefined && TERMINAL_STATUSES.includes(row.status)) recheck(id);
        }
      })
      .catch(settle);
  });
}
