/**
 * The download queue as a service (docs/service.md): the engine's
 * DownloadManager in this process, destinations kept inside the download root,
 * peers reached through the remotes, and every state change stored in the
 * event log before it is announced to watchers; progress is announced at most
 * once a second per download and never stored.
 */
import { Code, ConnectError } from "@connectrpc/connect";
import type { Logger } from "pino";
import type { Kysely } from "kysely";
import type { DeleteResult, Download, DownloadManager, FolderSummary, PeerRef } from "../client/index.js";
import { destinationDir } from "./destination-dir.js";
import { invalid, toConnectError } from "./errors.js";
import { type EventLog, openEventLog } from "./event-log.js";
import { createQueueEvents, type QueueEvent } from "./queue-events.js";
import type { LiveProgress } from "./download-message.js";
import { resolveRemote } from "./resolve-remote.js";
import type { ServiceDatabase } from "./store/database.js";
import type { OnExisting } from "../client/transfer/existing-policy.js";

/** What to add: an item of a peer (already resolved), to a folder relative to the root. */
export interface AddItem {
  readonly peer: PeerRef;
  readonly itemId: string;
  readonly destination: string;
  readonly sources?: readonly PeerRef[];
  readonly mirrors?: readonly string[];
  /** When the destination holds other content. @default "refuse" */
  readonly onExisting?: OnExisting | undefined;
}

/** A queued folder job: its id, the folder on this machine, and its file downloads. */
export interface AddedFolder {
  readonly id: string;
  readonly destination: string;
  readonly downloads: Download[];
}

export type { QueueEvent } from "./queue-events.js";

/** The queue. */
export interface DownloadQueue {
  /** The download root (absolute). */
  readonly root: string;
  /** The service's data dir (remotes). */
  readonly dataDir: string;
  /** The state-change log. */
  readonly log: EventLog;
  /** Queues an item; returns the download. */
  add(item: AddItem): Promise<Download>;
  /**
   * Queues (or resumes) a whole folder of a peer with the "folders" capability as one folder job
   * (docs/downloads.md "Folder jobs") under `<destination>/<folder name>`; returns its file downloads.
   */
  addFolder(item: Omit<AddItem, "sources" | "mirrors" | "onExisting">): Promise<AddedFolder>;
  /** One folder job, or undefined. */
  folder(id: string): Promise<FolderSummary | undefined>;
  /** Re-queues a folder job's failed, paused or cancelled files (and clears its cancelled mark). */
  retryFolder(id: string): Promise<void>;
  /** Cancels a folder job's unfinished files; with `deleteFiles` also deletes the job and what it wrote. */
  removeFolder(id: string, deleteFiles: boolean): Promise<{ removed: string[]; kept: string[] }>;
  /** Resolves a remote's name or URL. */
  peer(target: string): Promise<PeerRef>;
  /** Every download, newest first. */
  list(): Promise<Download[]>;
  /** One download, or undefined. */
  get(id: string): Promise<Download | undefined>;
  /** What a running download did lately. */
  live(id: string): LiveProgress | undefined;
  pause(id: string): Promise<Download>;
  resume(id: string): Promise<Download>;
  cancel(id: string): Promise<Download>;
  retry(id: string): Promise<Download>;
  /** Forgets a download (cancelling it first), with or without its files; returns what happened to them. */
  remove(id: string, deleteFiles: boolean): Promise<{ removed: string[]; kept: string[] }>;
  /** Subscribes to events; returns the unsubscribe function. */
  subscribe(listener: (event: QueueEvent) => void): () => void;
  /** Resolves once every state change seen so far is stored and announced. */
  settled(): Promise<void>;
}

/** Options of {@link createDownloadQueue}. */
export interface DownloadQueueOptions {
  readonly manager: DownloadManager;
  readonly db: Kysely<ServiceDatabase>;
  readonly root: string;
  readonly dataDir: string;
  readonly logger: Logger;
  /** Clock. @default Date.now */
  readonly now?: () => number;
}

/** Wires the queue over a started manager. */
export function createDownloadQueue(options: DownloadQueueOptions): DownloadQueue {
  const { manager, root, logger } = options;
  const log = openEventLog(options.db);
  const events = createQueueEvents(log, options.now ?? Date.now, logger);
  const { record } = events;
  manager.on((event) => events.onEngineEvent(event));

  async function mustGet(id: string): Promise<Download> {
    const d = await manager.get(id);
    if (d === undefined) throw new ConnectError(`no download ${id.slice(0, 100)}`, Code.NotFound);
    return d;
  }

  return {
    root,
    dataDir: options.dataDir,
    log,
    peer: (target) => resolveRemote(options.dataDir, target),
    add: wrap(async (item: AddItem) => {
      const outDir = await destinationDir(root, item.destination);
      const id = await manager.enqueue(item.peer, item.itemId, {
        outDir,
        sources: item.sources,
        mirrors: item.mirrors,
        onExisting: item.onExisting,
      });
      const d = await mustGet(id);
      record(d.id, d.status);
      return d;
    }),
    addFolder: wrap(async (item) => {
      const outDir = await destinationDir(root, item.destination);
      const folder = await manager.enqueueFolder(item.peer, item.itemId, { outDir });
      // Waiting places the folder's identical files once their one copy arrives (docs/downloads.md "Reuse").
      manager.waitFolder(folder.id).catch((error: unknown) => {
        logger.warn({ err: error, folder: folder.id }, "a folder job ended with an error");
      });
      const downloads: Download[] = [];
      for (const id of folder.jobs) {
        const d = await mustGet(id);
        record(d.id, d.status);
        downloads.push(d);
      }
      return { id: folder.id, destination: folder.destination, downloads };
    }),
    folder: wrap((id: string) => manager.getFolder(id)),
    retryFolder: wrap(async (id: string) => {
      const f = await manager.retryFolder(id);
      for (const job of f.jobs) {
        const d = await manager.get(job);
        if (d !== undefined) record(d.id, d.status);
      }
    }),
    removeFolder: wrap(async (id: string, deleteFiles: boolean) => {
      const f = await manager.getFolder(id);
      if (f === undefined) throw new ConnectError(`no folder job ${id.slice(0, 100)}`, Code.NotFound);
      if (f.status === "queued" || f.status === "downloading" || f.status === "paused")
        await manager.cancelFolder(f.id);
      // Without files the folder job stays in the engine's store (`peer downloads` shows it), its files in place.
      const result = deleteFiles ? await manager.deleteFolder(f.id) : { removed: [], kept: [] };
      for (const job of f.jobs) record(job, "removed");
      return filesOutcome(result);
    }),
    list: wrap(() => manager.list()),
    get: wrap((id: string) => manager.get(id)),
    live: (id) => events.live(id),
    pause: wrap((id: string) => manager.pause(id)),
    resume: wrap(async (id: string) => {
      const d = await mustGet(id);
      if (d.status !== "paused") throw invalid(`download ${d.id} is ${d.status}; only a paused download resumes`);
      const after = await manager.retry(d.id);
      record(after.id, after.status);
      return after;
    }),
    cancel: wrap((id: string) => manager.cancel(id)),
    retry: wrap(async (id: string) => {
      const after = await manager.retry(id);
      record(after.id, after.status);
      return after;
    }),
    remove: wrap(async (id: string, deleteFiles: boolean) => {
      const d = await mustGet(id);
      if (d.status === "queued" || d.status === "downloading" || d.status === "verifying" || d.status === "paused")
        await manager.cancel(d.id);
      const result = await manager.delete(d.id, { files: deleteFiles });
      events.forget(d.id);
      record(d.id, "removed");
      return filesOutcome(result);
    }),
    subscribe: (listener) => events.subscribe(listener),
    settled: () => events.settled(),
  };
}

/** A queue method whose errors reach the caller as ConnectErrors (errors.ts). */
function wrap<A extends unknown[], R>(fn: (...args: A) => Promise<R>) {
  return async (...args: A): Promise<R> => {
    try {
      return await fn(...args);
    } catch (error) {
      throw toConnectError(error);
    }
  };
}

/** What a delete did to the files, as the API reports it. */
function filesOutcome(result: DeleteResult): { removed: string[]; kept: string[] } {
  return { removed: [...result.removed], kept: result.kept.map((k) => `${k.path}: ${k.reason}`) };
}
