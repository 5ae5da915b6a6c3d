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
