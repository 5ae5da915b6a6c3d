/**
 * Two-level concurrency: a per-peer semaphore, then the global one. The peer's
 * permit is taken first, so a job waiting behind its own slow peer never holds
 * a global slot that another peer could use (docs/downloads.md "One job" and "Scheduling").
 * The files of one folder job share one such slot and run up to `folderFiles` at once in it
 * (docs/downloads.md "Folder jobs"): a folder is one download, and its small files want more
 * requests in flight than one file does.
 */
import { createSemaphore, type Release, type Semaphore } from "./semaphore.js";

/** Limits for {@link createLimiter}. */
export interface LimiterOptions {
  /** Downloads at once, all peers together. @default 3 */
  global: number;
  /** Downloads at once from one peer. @default 2 */
  perPeer: number;
  /** Files of one folder job at once, in the folder's one slot. @default 8 */
  folderFiles?: number;
  /** Jobs in their final step (fsyncs, rename, `completed`) without a slot, all together. @default 32 */
  finishing?: number;
}

/** Default of {@link LimiterOptions.finishing}. */
export const DEFAULT_FINISHING = 32;

/** Acquires a global and a per-peer slot together. */
export interface Limiter {
  /** Waits for both slots; the returned release frees both. */
  acquire(peer: string, signal?: AbortSignal): Promise<Release>;
  /**
   * Takes a slot of `peer` only (no global slot), without waiting: for a job's extra sources,
   * which count against their peer's limit but are part of a job that holds its global slot.
   * Undefined when the peer is at its limit.
   */
  tryAcquirePeer(peer: string): Release | undefined;
  /**
   * Waits for a file slot of folder job `folder` (at most `folderFiles` at once); the first file
   * of the folder to run takes a global and a per-peer slot for the whole folder, given back when
   * its last running file releases. The returned release frees the file's slot.
   */
  acquireInFolder(folder: string, peer: string, signal?: AbortSignal): Promise<Release>;
  /**
   * Permits for jobs in their final step: such a job gives its slot back (client/job/claim.ts
   * `enterFinalStep`), and these bound how many wait on their fsyncs at once.
   */
  readonly finishing: Semaphore;
  /** The global semaphore (for inspection). */
  readonly global: Semaphore;
}

/** Creates a limiter. */
export function createLimiter(options: LimiterOptions): Limiter {
  const global = createSemaphore(options.global);
  const peers = new Map<string, Semaphore>();
  const peerSemaphore = (peer: string): Semaphore => {
    let sem = peers.get(peer);
    if (sem === undefined) {
      sem = createSemaphore(options.perPeer);
      peers.set(peer, sem);
    }
    return sem;
  };
  const acquire = async (peer: string, signal?: AbortSignal): Promise<Release> => {
    const sem = peerSemaphore(peer);
    const releasePeer = await sem.acquire(signal);
    try {
      const releaseGlobal = await global.acquire(signal);
      return () => {
        releaseGlobal();
        releasePeer();
      };
    } catch (err) {
      releasePeer();
      throw err;
    }
  };
  const lanes = createFolderLanes(options.folderFiles ?? 8, acquire);
  return {
    global,
    finishing: createSemaphore(options.finishing ?? DEFAULT_FINISHING),
    acquire,
    acquireInFolder: lanes.acquire,
    tryAcquirePeer(peer) {
      return peerSemaphore(peer).tryAcquire();
    },
  };
}

/** One folder's running files and the slot they share. */
interface Lane {
  readonly files: Semaphore;
  running: number;
  /** The shared slot, pending or held; aborted when the last file leaves before it came. */
  slot: Promise<Release> | undefined;
  ctl: AbortController;
}

function createFolderLanes(width: number, acquire: (peer: string, signal?: AbortSignal) => Promise<Release>) {
  const lanes = new Map<string, Lane>();
  const leave = (folder: string, lane: Lane): void => {
    if (--lane.running > 0) return;
    // The last file out gives the folder's slot back (or stops waiting for it).
    lane.ctl.abort();
    lane.slot?.then(
      (release) => release(),
      () => undefined,
    );
    lane.slot = undefined;
    if (lane.files.available === width && lanes.get(folder) === lane) lanes.delete(folder);
  };
  return {
    async acquire(folder: string, peer: string, signal?: AbortSignal): Promise<Release> {
      let lane = lanes.get(folder);
      if (lane === undefined) {
        lane = { files: createSemaphore(width), running: 0, slot: undefined, ctl: new AbortController() };
        lanes.set(folder, lane);
      }
      const releaseFile = await lane.files.acquire(signal);
      lane.running++;
      try {
        if (lane.slot === undefined) {
          lane.ctl = new AbortController();
          lane.slot = acquire(peer, lane.ctl.signal);
          lane.slot.catch(() => undefined);
        }
        await abortable(lane.slot, signal);
      } catch (err) {
        releaseFile();
        leave(folder, lane);
        throw err;
      }
      const held = lane;
      let released = false;
      return () => {
        if (released) return;
        released = true;
        releaseFile();
        leave(folder, held);
      };
    },
  };
}

/** `p`, or the signal's reason when it aborts first. */
function abortable<T>(p: Promise<T>, signal: AbortSignal | undefined): Promise<T> {
  if (signal === undefined) return p;
  if (signal.aborted) return Promise.reject(signal.reason);
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason);
    signal.addEventListener("abort", onAbort, { once: true });
    p.then(resolve, reject).finally(() => signal.removeEventListener("abort", onAbort));
  });
}
