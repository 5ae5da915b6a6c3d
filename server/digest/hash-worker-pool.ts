/**
 * The server's view of the hash pool (common/hash/hash-pool.ts): whole file versions hashed in
 * worker threads, so the server's event loop never reads or hashes a large file. One file per
 * worker at a time; a worker starts on demand and ends after `idleMs` without a task.
 */
import { createHashPool, DEFAULT_IDLE_MS, FROM_SOURCES, type FileHashesOptions } from "../../common/hash/hash-pool.js";
import type { FileHashes } from "../../common/hash/hash-file.js";
import type { FileEntry } from "../catalog/catalog.js";

/**
 * How long the server's hashing worker stays after its last file: 1 s in the build (under tsx the
 * pool's 60 s, where a new worker costs a tsx start-up). The worker holds ≈ 19 MiB (its isolate, its
 * read buffers); with the pool's 5 s, a `peer serve` that had just hashed a 1 GiB file and then served
 * it peaked at 96–97 MiB, the worker still there (docs/performance.md "Serving memory"). Files found
 * together are queued back to back, so one worker still hashes a whole folder; a new one costs ≈ 40 ms.
 */
export const SERVER_HASH_IDLE_MS = FROM_SOURCES ? DEFAULT_IDLE_MS : 1_000;

/** Options of {@link createHashWorkerPool}. */
export interface HashWorkerPoolOptions {
  /** Workers at most (the caller bounds concurrent tasks too). @default 1 */
  readonly size?: number;
  /** An idle worker is ended after this many ms. @default SERVER_HASH_IDLE_MS (1 s in the build, 60 s under tsx) */
  readonly idleMs?: number;
}

/** Options of one {@link HashWorkerPool.run}. */
export type HashRunOptions = FileHashesOptions;

/** A pool of hash worker threads. */
export interface HashWorkerPool {
  /** Hashes one file version in a worker; rejects with FileChangedError when it changed or vanished. */
  run(entry: FileEntry, options?: HashRunOptions): Promise<FileHashes>;
  /** Ends every worker; running tasks reject. */
  close(): Promise<void>;
}

/** Creates a {@link HashWorkerPool}. */
export function createHashWorkerPool(options: HashWorkerPoolOptions = {}): HashWorkerPool {
  const pool = createHashPool({
    threads: options.size ?? 1,
    idleMs: options.idleMs ?? SERVER_HASH_IDLE_MS,
    backgroundDepth: 1,
  });
  return {
    async run(entry, runOptions) {
      return pool.fileHashes(entry, runOptions);
    },
    close: () => pool.close(),
  };
}
