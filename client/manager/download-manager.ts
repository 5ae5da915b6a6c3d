/**
 * The download manager: a durable queue of jobs (SQLite through Kysely), run
 * under a global and a per-peer limit, each job held by a lease, each attempt
 * a transfer (see download-job.ts), failures classified once and retried with full-jitter
 * backoff, progress reported as typed events. See docs/downloads.md.
 */
import type { DownloadManagerOptions } from "../options.js";
import { toDownload } from "../store/download-mapper.js";
import { listSources } from "../store/download-source.repository.js";
import { toDownloadSource } from "../store/download-source-mapper.js";
import * as repo from "../store/download.repository.js";
import { folderMethods } from "../folder/manager-folders.js";
import type { FolderContext } from "../folder/folder-context.js";
import { cancelJob, deleteJob, enqueueJob, pauseJob, retryJob } from "./job-commands.js";
import type { DownloadManager } from "./manager-api.js";
import { closeManager, drainManager, runNextJob, startManager, waitJob, waitJobs } from "./manager-lifecycle.js";
import {
  createManagerState,
  database,
  emit,
  register,
  requireRow,
  resolveRow,
  schedule,
  type ManagerState,
} from "./manager-state.js";

export type { DeleteResult, DownloadManager, EnqueueOptions, PeerRef, StartOptions } from "./manager-api.js";

/** Creates a download manager. Call `start()` before anything else. */
export function createDownloadManager(options: DownloadManagerOptions): DownloadManager {
  const s = createManagerState(options);
  const manager: DownloadManager = {
    ...folderMethods(
      folderContextOf(s, () => manager),
      s.downloadDir,
      (peer) => register(s, peer),
      {
        cancel: (id) => cancelJob(s, id),
        delete: (id) => deleteJob(s, id),
      },
    ),
    start: (startOptions) => startManager(s, startOptions),
    enqueue: (peer, itemId, enqueueOptions) => enqueueJob(s, peer, itemId, enqueueOptions),
    cancel: (id) => cancelJob(s, id),
    pause: (id) => pauseJob(s, id),
    retry: (id) => retryJob(s, id),
    delete: (id, deleteOptions) => deleteJob(s, id, deleteOptions),
    async sources(id) {
      const row = await requireRow(s, id);
      const t = s.now();
      return (await listSources(database(s), row.id)).map((src) => toDownloadSource(src, row.peer_url, t));
    },
    list: async (statuses) => (await repo.listDownloadRows(database(s), statuses)).map(toDownload),
    async get(id) {
      const row = await resolveRow(s, id);
      return row === undefined ? undefined : toDownload(row);
    },
    wait: (id) => waitJob(s, id),
    drain: () => drainManager(s),
    runNext: () => runNextJob(s),
    activeCount: () => s.running.size,
    tap: async (id) => s.taps.forRow(await requireRow(s, id), true),
    on(listener) {
      s.listeners.add(listener);
      return () => s.listeners.delete(listener);
    },
    close: () => closeManager(s),
  };
  return manager;
}

/** What the folder methods (client/folder/) need from the manager. */
function folderContextOf(s: ManagerState, manager: () => DownloadManager): FolderContext {
  return {
    db: () => database(s),
    now: s.now,
    emit: (e) => emit(s, e),
    clientFor: (row) => s.jobContext.clientFor(row),
    schedule: (id) => schedule(s, id),
    wait: (id) => manager().wait(id),
    waitAll: (ids) => waitJobs(s, ids),
    retry: (id) => manager().retry(id),
    maxFileSize: s.o.maxFileSize,
  };
}
