/**
 * Worker threads that hash files (hash-worker.ts) so the server's event loop
 * never reads or hashes a large file. One task per worker at a time; a worker
 * is started on demand, kept while tasks come, ended after `idleMs` without
 * one, and keeps the process alive only while it runs a task.
 */
import { Worker } from "node:worker_threads";
import { FileChangedError } from "../files/file-reader.js";
import type { FileEntry } from "../catalog/catalog.js";
import type { FileHashes } from "./hash-file.js";
import type { HashTask, HashTaskResult } from "./hash-worker-protocol.js";

/** Options of {@link createHashWorkerPool}. */
export interface HashWorkerPoolOptions {
  /** Workers at most (the caller bounds concurrent tasks too). @default 1 */
  readonly size?: number;
  /**
   * An idle worker is ended after this many ms. @default 5000 in the build (a bundled worker
   * starts in ≈ 30 ms and holds ≈ 15–20 MiB), 60000 in the sources (a new one costs a tsx start-up)
   */
  readonly idleMs?: number;
}

/** Options of one {@link HashWorkerPool.run}. */
export interface HashRunOptions {
  /** Bytes read per step. @default 1 MiB */
  readonly chunkSize?: number;
  /** SHA-256 only, no tree (bench baseline). @default false */
  readonly sha256Only?: boolean;
}

/** A pool of hash worker threads. */
export interface HashWorkerPool {
  /** Hashes one file version in a worker; rejects with FileChangedError when it changed or vanished. */
  run(entry: FileEntry, options?: HashRunOptions): Promise<FileHashes>;
  /** Ends every worker; running tasks reject. */
  close(): Promise<void>;
}

interface Slot {
  readonly worker: Worker;
  task?: { readonly id: number; resolve(h: FileHashes): void; reject(e: Error): void } | undefined;
  idleTimer?: NodeJS.Timeout | undefined;
}

const WORKER_URL = new URL("./hash-worker.mjs", import.meta.url);

/** Idle time before a worker ends: short in the bundle, long under tsx (see {@link HashWorkerPoolOptions.idleMs}). */
export const DEFAULT_IDLE_MS = import.meta.url.endsWith(".ts") ? 60_000 : 5_000;

/** Creates a {@link HashWorkerPool}. */
export function createHashWorkerPool(options: HashWorkerPoolOptions = {}): HashWorkerPool {
  const size = options.size ?? 1;
  const idleMs = options.idleMs ?? DEFAULT_IDLE_MS;
  const slots = new Set<Slot>();
  const waiting: Array<(slot: Slot) => void> = [];
  let nextId = 1;
  let closed = false;

  function retire(slot: Slot, error: Error): void {
    if (!slots.delete(slot)) return;
    clearTimeout(slot.idleTimer);
    slot.task?.reject(error);
    slot.task = undefined;
    void slot.worker.terminate();
    // A waiter may now start a fresh worker in the freed place.
    const next = waiting.shift();
    if (next !== undefined && !closed) next(startSlot());
  }

  function startSlot(): Slot {
    const worker = new Worker(WORKER_URL);
    worker.unref();
    const slot: Slot = { worker };
    slots.add(slot);
    worker.on("message", (result: HashTaskResult) => {
      const task = slot.task;
      if (task === undefined || task.id !== result.id) return;
      slot.task = undefined;
      slot.worker.unref();
      if (result.ok) task.resolve(result.hashes);
      else if (result.changed) task.reject(new FileChangedError(result.message));
      else task.reject(new Error(`hashing failed: ${result.message}`));
      release(slot);
    });
    worker.on("error", (error) => retire(slot, error));
    worker.on("exit", (code) => retire(slot, new Error(`hash worker exited with code ${code}`)));
    return slot;
  }

  function release(slot: Slot): void {
    const next = waiting.shift();
    if (next !== undefined) {
      next(slot);
      return;
    }
    slot.idleTimer = setTimeout(() => retire(slot, new Error("idle")), idleMs);
    slot.idleTimer.unref();
  }

  function acquire(): Promise<Slot> {
    for (const slot of slots) {
      if (slot.task === undefined && slot.idleTimer !== undefined) {
        clearTimeout(slot.idleTimer);
        slot.idleTimer = undefined;
        return Promise.resolve(slot);
      }
    }
    if (slots.size < size) return Promise.resolve(startSlot());
    return new Promise((resolve) => waiting.push(resolve));
  }

  return {
    async run(entry, runOptions = {}) {
      if (closed) throw new Error("the hash worker pool is closed");
      const slot = await acquire();
      if (closed) throw new Error("the hash worker pool is closed");
      return new Promise<FileHashes>((resolve, reject) => {
        const id = nextId++;
        slot.task = { id, resolve, reject };
        slot.worker.ref();
        const task: HashTask = {
          id,
          entry,
          chunkSize: runOptions.chunkSize ?? 1024 * 1024,
          sha256Only: runOptions.sha256Only ?? false,
        };
        slot.worker.postMessage(task);
      });
    },
    async close() {
      closed = true;
      waiting.length = 0;
      const workers = [...slots].map((slot) => slot.worker);
      for (const slot of [...slots]) retire(slot, new Error("the hash worker pool was closed"));
      await Promise.allSettled(workers.map((w) => w.terminate()));
    },
  };
}
