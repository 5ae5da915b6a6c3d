/**
 * A queue worker (`peer downloads run --worker NAME`, README "Several machines"):
 * while a slot is free, claim the oldest job nobody holds and run it; when none
 * is free, wait for a job to end or for the poll interval. Leases re-drive the
 * jobs of a worker that died: they become claimable when the lease expires. The
 * loop survives database outages (a PostgreSQL restart): it reports the error,
 * waits, and claims again; the running jobs' leases fence off stale writers.
 */
import { setTimeout as sleep } from "node:timers/promises";
import type { DownloadManager } from "./download-manager.js";
import { RUNNABLE_STATUSES } from "../store/download.table.js";

/** Options of {@link runWorker}. */
export interface WorkerOptions {
  /** Jobs run at once by this worker. @default 3 */
  concurrency?: number;
  /**
   * Return once no runnable job is left anywhere in the queue (queued, or running under any
   * worker's lease) and none runs here. @default false (run until `signal` aborts)
   */
  untilEmpty?: boolean;
  /** How often to look for work while idle, ms. @default 500 */
  pollMs?: number;
  /** Stops the loop (the manager's `close()` then hands running jobs back to the queue). */
  signal?: AbortSignal;
  /** Told about a failed look at the queue (the loop goes on). @default ignore */
  onError?: (error: unknown) => void;
}

/** Works the queue until `signal` aborts or, with `untilEmpty`, the queue is empty. The manager must be started. */
export async function runWorker(manager: DownloadManager, options: WorkerOptions = {}): Promise<void> {
  const concurrency = options.concurrency ?? 3;
  const pollMs = options.pollMs ?? 500;
  const signal = options.signal ?? new AbortController().signal;
  let wake: (() => void) | undefined;
  const off = manager.on((e) => {
    if (e.type === "completed" || e.type === "failed" || e.type === "paused" || e.type === "cancelled") wake?.();
  });
  try {
    while (!signal.aborted) {
      try {
        if (await fillSlots(manager, concurrency)) continue;
        if (options.untilEmpty === true && (await queueIsEmpty(manager))) return;
      } catch (error) {
        if (signal.aborted) return;
        options.onError?.(error);
      }
      await idle(pollMs, signal, (w) => (wake = w));
    }
  } finally {
    off();
  }
}

/** Claims jobs while slots are free; true when it claimed one (look again at once). */
async function fillSlots(manager: DownloadManager, concurrency: number): Promise<boolean> {
  if (manager.activeCount() >= concurrency) return false;
  return (await manager.runNext()) !== undefined;
}

/** Nothing runs here and no runnable row is left (another worker's leased rows count: it may die). */
async function queueIsEmpty(manager: DownloadManager): Promise<boolean> {
  if (manager.activeCount() > 0) return false;
  return (await manager.list(RUNNABLE_STATUSES)).length === 0;
}

/** Waits `ms`, or less when a job ends or the signal aborts. */
async function idle(ms: number, signal: AbortSignal, setWake: (wake: (() => void) | undefined) => void): Promise<void> {
  const ctl = new AbortController();
  const onAbort = () => ctl.abort();
  signal.addEventListener("abort", onAbort, { once: true });
  setWake(() => ctl.abort());
  try {
    await sleep(ms, undefined, { signal: ctl.signal }).catch(() => undefined);
  } finally {
    setWake(undefined);
    signal.removeEventListener("abort", onAbort);
  }
}
