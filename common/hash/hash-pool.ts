/**
 * The one pool of hash worker threads (hash-worker.ts, started through hash-worker.mjs): the
 * client's piece checks and the server's background pass both hash here, off their event loop.
 * Foreground tasks (pieces from the network, whose ArrayBuffer is transferred to the worker and
 * back, never copied) go to the least busy worker at once; background tasks (file reads: the
 * client's re-checks, the server's whole-file pass) go only to a worker with no foreground work
 * and fewer than `backgroundDepth` of them, so they never delay the next piece to write.
 * A worker keeps the process alive only while it runs a task, and ends after `idleMs` idle.
 */
import os from "node:os";
import { createRequire } from "node:module";
import type { Worker } from "node:worker_threads";
import { FileChangedError, type FileVersion } from "../files/file-reader.js";
import type { FileHashes } from "./hash-file.js";
import type { HashReply, HashTask } from "./hash-protocol.js";

/**
 * node:worker_threads, loaded at the first worker: a `peer get` on 2 cores hashes inline and never
 * starts one, and the module and its internals cost ≈ 0.3 MiB of its RSS (docs/performance.md).
 */
const requireBuiltin = createRequire(import.meta.url);

/** Options of {@link createHashPool}. */
export interface HashPoolOptions {
  /** Workers at most. @default {@link DEFAULT_HASH_THREADS} */
  readonly threads?: number;
  /**
   * An idle worker ends after this many ms. @default 5000 in the build (a bundled worker starts
   * in ≈ 30 ms and holds ≈ 15–20 MiB), 60000 in the sources (a new one costs a tsx start-up)
   */
  readonly idleMs?: number;
  /** Background tasks in flight on one worker (more keep its reads pipelined). @default 2 */
  readonly backgroundDepth?: number;
}

/** Options of one {@link HashPool.fileHashes}. */
export interface FileHashesOptions {
  /** Bytes read per step. @default 1 MiB */
  readonly chunkSize?: number;
  /** SHA-256 only, no tree (bench baseline). @default false */
  readonly sha256Only?: boolean;
}

/** A pool of hash worker threads. */
export interface HashPool {
  /**
   * The concatenated 32-byte leaves of the first `length` bytes of `buffer` (foreground).
   * `buffer` is transferred (detached here) and comes back as `buffer` in the result.
   */
  leaves(buffer: ArrayBuffer, length: number): Promise<{ leaves: Uint8Array; buffer: ArrayBuffer }>;
  /** The leaves of the bytes at [offset, offset + length) of a file, and how many it had (background). */
  fileLeaves(path: string, offset: number, length: number): Promise<{ leaves: Uint8Array; bytesRead: number }>;
  /** Hex SHA-256 of the first `length` bytes of a file (foreground). */
  sha256File(path: string, length: number): Promise<string>;
  /** SHA-256 and BEP 52 tree of one file version (background); rejects with FileChangedError when it changed. */
  fileHashes(entry: FileVersion, options?: FileHashesOptions): Promise<FileHashes>;
  /** Starts every worker now (their start-up then overlaps whatever the caller does first). */
  warm(): void;
  /** Ends every worker; tasks in flight or queued reject. */
  close(): Promise<void>;
}

/** Workers of a pool: one fewer than the cores, at least 1, at most 4. */
export const DEFAULT_HASH_THREADS = Math.max(1, Math.min(4, os.availableParallelism() - 1));

/** Whether this module runs from the TypeScript sources (under tsx), where a new worker costs a tsx start-up. */
export const FROM_SOURCES = import.meta.url.endsWith(".ts");

/** Idle time before a worker ends: short in the build, long under tsx (see {@link HashPoolOptions.idleMs}). */
export const DEFAULT_IDLE_MS = FROM_SOURCES ? 60_000 : 5_000;

// The one way a worker is loaded: a file beside this module. In the sources it registers tsx;
// scripts/build.mjs puts a loader-free one under this name in dist/cli and dist/lib/common/hash.
const WORKER_URL = new URL("./hash-worker.mjs", import.meta.url);

/**
 * A worker's young generation, MiB. Its garbage is a 32-byte digest Buffer per 16 KiB leaf;
 * V8's default lets the young generation grow to 16 MiB semi-spaces per worker isolate, which
 * shows in the process's peak RSS (docs/performance.md "Client memory").
 */
const YOUNG_GENERATION_MB = 3;

interface Slot {
  readonly worker: Worker;
  outstanding: number;
  /** Foreground tasks in flight on this worker. */
  foreground: number;
  idleTimer?: NodeJS.Timeout | undefined;
}

interface Pending {
  readonly resolve: (r: HashReply) => void;
  readonly reject: (e: Error) => void;
}

/** Creates a {@link HashPool}; workers start on first use (or {@link HashPool.warm}). */
export function createHashPool(options: HashPoolOptions = {}): HashPool {
  const threads = Math.max(1, options.threads ?? DEFAULT_HASH_THREADS);
  const idleMs = options.idleMs ?? DEFAULT_IDLE_MS;
  const depth = Math.max(1, options.backgroundDepth ?? 2);
  const slots: Slot[] = [];
  const background: Array<{ task: HashTask } & Pending> = [];
  const pending = new Map<number, Pending & { slot: Slot; fg: boolean }>();
  let nextId = 1;
  let closed = false;

  function retire(slot: Slot, error: Error): void {
    const at = slots.indexOf(slot);
    if (at < 0) return;
    slots.splice(at, 1);
    clearTimeout(slot.idleTimer);
    for (const [id, p] of pending) {
      if (p.slot !== slot) continue;
      pending.delete(id);
      p.reject(error);
    }
    void slot.worker.terminate();
    pump(); // queued background tasks may start a worker in the freed place
  }

  function start(): Slot {
    const { Worker: WorkerThread } = requireBuiltin("node:worker_threads") as typeof import("node:worker_threads");
    const worker = new WorkerThread(WORKER_URL, { resourceLimits: { maxYoungGenerationSizeMb: YOUNG_GENERATION_MB } });
    const slot: Slot = { worker, outstanding: 0, foreground: 0 };
    worker.on("message", (reply: HashReply) => {
      const p = pending.get(reply.id);
      if (p === undefined) return;
      pending.delete(reply.id);
      if (p.fg) slot.foreground--;
      if (--slot.outstanding === 0) {
        worker.unref();
        slot.idleTimer = setTimeout(() => retire(slot, new Error("idle")), idleMs);
        slot.idleTimer.unref();
      }
      if (reply.error === undefined) p.resolve(reply);
      else p.reject(reply.changed ? new FileChangedError(reply.error) : new Error(`hashing failed: ${reply.error}`));
      pump();
    });
    worker.on("error", (e) => retire(slot, e));
    worker.on("exit", (code) => retire(slot, new Error(`a hash worker exited (code ${code})`)));
    // After the listeners: adding a "message" listener refs the worker again, and a warmed worker
    // with no task must not keep the process alive.
    worker.unref();
    slots.push(slot);
    return slot;
  }

  function leastBusy(): Slot {
    let best: Slot | undefined;
    for (const s of slots) if (best === undefined || s.outstanding < best.outstanding) best = s;
    return best === undefined || (best.outstanding > 0 && slots.length < threads) ? start() : best;
  }

  function post(slot: Slot, task: HashTask, transfer: ArrayBuffer[], p: Pending, fg: boolean): void {
    pending.set(task.id, { ...p, slot, fg });
    if (fg) slot.foreground++;
    clearTimeout(slot.idleTimer);
    slot.idleTimer = undefined;
    if (slot.outstanding++ === 0) slot.worker.ref();
    slot.worker.postMessage(task, transfer);
  }

  /** Hands queued background tasks to workers with no foreground work. */
  function pump(): void {
    while (background.length > 0 && !closed) {
      const idle =
        slots.find((s) => s.foreground === 0 && s.outstanding < depth) ??
        (slots.length < threads ? start() : undefined);
      if (idle === undefined) return;
      const next = background.shift();
      if (next !== undefined) post(idle, next.task, [], next, false);
    }
  }

  function send(task: HashTask, transfer: ArrayBuffer[], inBackground: boolean): Promise<HashReply> {
    if (closed) return Promise.reject(new Error("the hash pool is closed"));
    return new Promise<HashReply>((resolve, reject) => {
      if (!inBackground) post(leastBusy(), task, transfer, { resolve, reject }, true);
      else {
        background.push({ task, resolve, reject });
        pump();
      }
    });
  }

  return {
    async leaves(buffer, length) {
      const reply = await send({ kind: "leaves", id: nextId++, buffer, length }, [buffer], false);
      if (reply.leaves === undefined || reply.buffer === undefined) throw new Error("a hash worker sent no leaves");
      return { leaves: new Uint8Array(reply.leaves), buffer: reply.buffer };
    },
    async fileLeaves(path, offset, length) {
      const reply = await send({ kind: "file-leaves", id: nextId++, path, offset, length }, [], true);
      if (reply.leaves === undefined) throw new Error("a hash worker sent no leaves");
      return { leaves: new Uint8Array(reply.leaves), bytesRead: reply.bytesRead ?? 0 };
    },
    async sha256File(path, length) {
      const reply = await send({ kind: "sha256-file", id: nextId++, path, length }, [], false);
      if (reply.hex === undefined) throw new Error("a hash worker sent no digest");
      return reply.hex;
    },
    async fileHashes(entry, runOptions = {}) {
      const task: HashTask = {
        kind: "file-hashes",
        id: nextId++,
        // Only the fields the worker reads: a catalog entry carries more (a Date, names).
        entry: { path: entry.path, size: entry.size, mtimeNs: entry.mtimeNs, dev: entry.dev, ino: entry.ino },
        chunkSize: runOptions.chunkSize ?? 1024 * 1024,
        sha256Only: runOptions.sha256Only ?? false,
      };
      const reply = await send(task, [], true);
      if (reply.hashes === undefined) throw new Error("a hash worker sent no hashes");
      return reply.hashes;
    },
    warm() {
      while (!closed && slots.length < threads) {
        const slot = start();
        slot.idleTimer = setTimeout(() => retire(slot, new Error("idle")), idleMs);
        slot.idleTimer.unref();
      }
    },
    async close() {
      closed = true;
      const error = new Error("the hash pool is closed");
      for (const b of background.splice(0)) b.reject(error);
      for (const p of pending.values()) p.reject(error);
      pending.clear();
      const workers = slots.splice(0).map((s) => {
        clearTimeout(s.idleTimer);
        return s.worker;
      });
      await Promise.allSettled(workers.map((w) => w.terminate()));
    },
  };
}
