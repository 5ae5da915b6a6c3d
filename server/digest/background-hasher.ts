/**
 * SHA-256 and the BEP 52 pieces tree (root, piece length, piece layer) of
 * shared files, computed in one background read pass per version, in worker
 * threads (hash-worker-pool.ts) with bounded concurrency, and cached by
 * (item id, etag), so a changed file is re-hashed and no call ever waits for
 * a hash. Implements the catalog's DigestSource: a lookup of an unknown
 * digest or tree schedules the pass and answers "unknown". docs/pieces.md.
 */
import type { Kysely } from "kysely";
import type { Logger } from "pino";
import type { FileEntry } from "../catalog/catalog.js";
import type { DigestSource } from "../catalog/dir-catalog.js";
import { FileChangedError } from "../../common/files/file-reader.js";
import type { ServerDatabase } from "../store/database.js";
import { putDigest } from "../store/digest-repository.js";
import {
  getContentDigest,
  getPieces,
  itemIdsWithRoot,
  putPieces,
  type StoredPieces,
} from "../store/pieces-repository.js";
import { createHashWorkerPool } from "./hash-worker-pool.js";
import type { FileHashes } from "../../common/hash/hash-file.js";

/** Options of {@link createBackgroundHasher}. */
export interface BackgroundHasherOptions {
  /** The server database (digest cache). */
  readonly db: Kysely<ServerDatabase>;
  /** Hashes running at once. @default 1 */
  readonly concurrency?: number;
  /** Pending hashes kept; more are dropped (and rescheduled on a later lookup). @default 10000 */
  readonly maxQueued?: number;
  /** Bytes read per step. @default 1 MiB */
  readonly chunkSize?: number;
  /** Where failures are reported (debug level; a changed file is not an error). */
  readonly logger?: Logger | undefined;
  /** Test seam: called when a digest has been stored. */
  readonly onHashed?: ((entry: FileEntry, sha256: string) => void) | undefined;
  /** Test seam: called with every result, before it is stored. */
  readonly onHashes?: ((entry: FileEntry, hashes: FileHashes) => void) | undefined;
}

/** The background hasher. */
export interface BackgroundHasher extends DigestSource {
  /** The cached tree of `entry`'s version, or undefined (and the pass is scheduled). Never waits for hashing. */
  piecesFor(entry: FileEntry): Promise<StoredPieces | undefined>;
  /** Ids of items whose cached root is `piecesRoot` (any etag: check the current one), in id order. */
  itemIdsWithRoot(piecesRoot: string, options: { afterId?: string; limit: number }): Promise<string[]>;
  /** Digests currently queued or running. */
  pending(): number;
  /** Resolves when nothing is queued or running (tests). */
  idle(): Promise<void>;
  /** Stops: drops the queue, aborts running hashes, waits for them. */
  close(): Promise<void>;
}

/** Creates a {@link BackgroundHasher}. */
export function createBackgroundHasher(options: BackgroundHasherOptions): BackgroundHasher {
  const { db, logger, onHashed, onHashes } = options;
  const concurrency = options.concurrency ?? 1;
  const maxQueued = options.maxQueued ?? 10_000;
  const chunkSize = options.chunkSize ?? 1024 * 1024;
  const controller = new AbortController();
  const pool = createHashWorkerPool({ size: concurrency });
  /** Keyed by id + etag: one hash per version, however often it is asked for. */
  const scheduled = new Map<string, FileEntry>();
  const queue: string[] = [];
  const running = new Set<Promise<void>>();
  let idleWaiters: Array<() => void> = [];

  const keyOf = (entry: FileEntry) => `${entry.etag} ${entry.id}`;

  async function hash(entry: FileEntry): Promise<void> {
    const hashes = await pool.run(entry, { chunkSize });
    if (controller.signal.aborted) return;
    onHashes?.(entry, hashes);
    const { sha256, piecesRoot, pieceLength, layer } = hashes;
    // Digest and tree land together: a reader never sees a root without its digest.
    await db.transaction().execute(async (tx) => {
      await putDigest(tx, entry.id, entry.etag, sha256);
      await putPieces(tx, entry.id, entry.etag, { piecesRoot, pieceLength, layer });
    });
    onHashed?.(entry, sha256);
  }

  function pump(): void {
    while (running.size < concurrency && queue.length > 0 && !controller.signal.aborted) {
      const key = queue.shift() as string;
      const entry = scheduled.get(key);
      if (entry === undefined) continue;
      const task: Promise<void> = hash(entry)
        .catch((error: unknown) => {
          if (controller.signal.aborted) return;
          // A file that changes while hashed is skipped; its next lookup schedules the new version.
          if (error instanceof FileChangedError)
            logger?.debug({ item: entry.id }, "file changed while hashing; skipped");
          else logger?.warn({ item: entry.id, err: error }, "hashing failed");
        })
        .finally(() => {
          scheduled.delete(key);
          running.delete(task);
          pump();
        });
      running.add(task);
    }
    if (running.size === 0 && queue.length === 0) {
      const waiters = idleWaiters;
      idleWaiters = [];
      for (const w of waiters) w();
    }
  }

  function schedule(entry: FileEntry): void {
    if (controller.signal.aborted) return;
    const key = keyOf(entry);
    if (scheduled.has(key) || scheduled.size >= maxQueued) return;
    scheduled.set(key, entry);
    queue.push(key);
    // Start on a later turn so the call that triggered the hash answers first.
    setImmediate(pump);
  }

  async function contentFor(entry: FileEntry) {
    const known = await getContentDigest(db, entry.id, entry.etag);
    // A digest cached before the tree existed (an older server) is re-hashed once for the tree.
    if (known?.piecesRoot === undefined) schedule(entry);
    return known;
  }

  return {
    async sha256For(entry) {
      return (await contentFor(entry))?.sha256;
    },
    contentFor,
    async piecesFor(entry) {
      const known = await getPieces(db, entry.id, entry.etag);
      if (known === undefined) schedule(entry);
      return known;
    },
    itemIdsWithRoot: (piecesRoot, listOptions) => itemIdsWithRoot(db, piecesRoot, listOptions),
    pending: () => scheduled.size,
    idle() {
      if (scheduled.size === 0) return Promise.resolve();
      return new Promise<void>((resolve) => idleWaiters.push(resolve));
    },
    async close() {
      controller.abort();
      queue.length = 0;
      await pool.close();
      await Promise.allSettled([...running]);
      scheduled.clear();
      const waiters = idleWaiters;
      idleWaiters = [];
      for (const w of waiters) w();
    },
  };
}
