/**
 * `peer get`'s enqueue step: each item id becomes a file job or a folder job, a peer that is down
 * or not up yet retried like any transient fault (lookup-retry.ts); then `--stream` starts serving
 * the first one. Loaded only when `peer get` runs.
 */
import {
  classify,
  type DownloadError,
  type DownloadManager,
  type EnqueueOptions,
  type FolderEnqueueResult,
  type PeerRef,
} from "../client/index.js";
import { enqueueItemOrFolder } from "./get-folder.js";
import type { StreamHold } from "./get-stream.js";
import { lookupWithRetry, type LookupContext } from "./lookup-retry.js";
import type { EnqueuedWork } from "./run-downloads.js";

/** What `peer get` enqueues: its item ids from one peer, with the options every job shares. */
export interface GetItems {
  readonly itemIds: readonly string[];
  readonly peerRef: PeerRef;
  readonly options: Omit<EnqueueOptions, "signal" | "outDir">;
  /** The `--stream` server, when asked for. */
  readonly served: StreamHold | undefined;
}

/** Enqueues every item (a failure is reported per item and the rest go on); returns the jobs and folders. */
export async function enqueueAll(
  m: DownloadManager,
  items: GetItems,
  fail: (itemId: string, error: DownloadError) => void,
  lookup: LookupContext,
  onFolder: (result: FolderEnqueueResult) => void,
): Promise<EnqueuedWork> {
  const work: EnqueuedWork = { jobs: [], folders: [] };
  for (const itemId of items.itemIds) {
    try {
      const enqueued = await lookupWithRetry(itemId, lookup, (signal) =>
        enqueueItemOrFolder(m, items.peerRef, itemId, { ...items.options, signal }),
      );
      if (typeof enqueued === "string") work.jobs.push(enqueued);
      else {
        onFolder(enqueued);
        work.folders.push(enqueued);
      }
    } catch (error) {
      if (lookup.signal.aborted) break;
      fail(itemId, classify(error));
    }
  }
  const { served } = items;
  if (served !== undefined && work.jobs[0] !== undefined) await served.start(m, work.jobs[0]);
  else if (served !== undefined && work.folders[0] !== undefined) await served.startFolder(m, work.folders[0]);
  return work;
}
