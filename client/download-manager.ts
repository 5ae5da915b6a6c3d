/**
 * The download manager: a durable queue of jobs (SQLite through Kysely), run
 * under a global and a per-peer limit, each job held by a lease, each attempt
 * a transfer (see download-job.ts), failures classified once and retried with full-jitter
 * backoff, progress reported as typed events. See docs/downloads.md.
 */
import path from "node:path";
import type { Kysely } from "kysely";
import { DownloadError } from "./errors.js";
import type { DownloadEvent, DownloadListener } from "./download-events.js";
import { eventBase, runJob, type ClientEntry, type JobContext } from "./download-job.js";
import { reclaimStaleJobs } from "./download-reclaim.js";
import { deleteJobFiles } from "./manager-delete.js";
import {
  checkItem,
  checkItemId,
  createOrReuseJob,
  destinationFor,
  isUniqueViolation,
  localNameOf,
  lookUpItem,
} from "./manager-enqueue.js";
import type { OnExisting } from "./transfer/existing-policy.js";
import { waitForJob } from "./manager-wait.js";
import { keyRef } from "./key-ref.js";
import { resolveDownloadOptions, type DownloadManagerOptions } from "./options.js";
import { createPeerClient, normalizePeerUrl, type TransportKind } from "./peer-client.js";
import { createLimiter } from "./scheduler/limiter.js";
import { makeCommitsDurable, openDownloadsDatabase, type ClientDatabase } from "./store/database.js";
import { toDownload, type Download } from "./store/download-mapper.js";
import { deleteSources, listSources } from "./store/download-source.repository.js";
import { toDownloadSource, type DownloadSource } from "./store/download-source-mapper.js";
import { planSources } from "./plan-sources.js";
import * as repo from "./store/download.repository.js";
import { LIVE_STATUSES, RUNNABLE_STATUSES, type DownloadRow, type DownloadStatus } from "./store/download.table.js";
import { makeLeaseOwner } from "./store/lease.js";
import { realTransferFs } from "./transfer/part-file.js";
import { folderMethods, type FolderMethods } from "./folder/manager-folders.js";
import type { FolderContext } from "./folder/folder-context.js";
import { createTapRegistry } from "./stream/tap-registry.js";
import type { StreamTap } from "./stream/stream-tap.js";

/** A peer to download from. */
export interface PeerRef {
  /** Base URL. */
  url: string;
  /** API key. */
  key: string;
  /** Transport for this job. @default the manager's */
  transport?: TransportKind;
}

/** Options of {@link DownloadManager.enqueue}. */
export interface EnqueueOptions {
  /** Directory for the file. @default the manager's downloadDir */
  outDir?: string;
  /** Aborts the metadata lookup. */
  signal?: AbortSignal;
  /**
   * More peers holding the same content (asked by pieces root, docs/downloads.md "Sources"); each
   * key is registered like the primary's and never stored; a source without a transport uses the
   * manager's. Added to (or refreshed in) the job. @default none
   */
  sources?: readonly PeerRef[];
  /**
   * Plain HTTP(S) URLs serving the same bytes with Range support; never trusted (every piece is
   * checked against the pieces root) and used only once the root is known. No user name or
   * password in the URL. At most 16 sources in all (the peer, `sources` and `mirrors`). @default none
   */
  mirrors?: readonly string[];
  /**
   * When the destination exists with other content: "refuse" (the job fails before fetching a
   * byte), "overwrite" (replace it) or "rename" (write `name (1).ext`). The same content is
   * "already there" in every mode. @default "refuse"
   */
  onExisting?: OnExisting;
  /** Fetch the pieces in order, the first and last early; persisted with the job. @default false (or the job's) */
  sequential?: boolean;
}

/** Result of {@link DownloadManager.delete}. */
export interface DeleteResult {
  /** Files removed. */
  readonly removed: readonly string[];
  /** Files left in place, and why. */
  readonly kept: ReadonlyArray<{ readonly path: string; readonly reason: string }>;
}

/** Options of {@link DownloadManager.start}. */
export interface StartOptions {
  /** Also run every queued or interrupted job in the database. @default true */
  runQueue?: boolean;
  /**
   * Run jobs at all. `false` makes an admin handle (list, show, cancel, delete; `retry` only
   * re-queues) that never downloads, e.g. for `peer downloads retry`. @default true
   */
  runJobs?: boolean;
}

/** The manager; its folder methods are in client/folder/manager-folders.ts. */
export interface DownloadManager extends FolderMethods {
  /** Opens the database, reclaims interrupted jobs (dead owners, duplicates), and runs the queue if asked. */
  start(options?: StartOptions): Promise<void>;
  /** Looks the item up, checks its name, creates (or reuses) the job and schedules it; returns the job id. */
  enqueue(peer: PeerRef, itemId: string, options?: EnqueueOptions): Promise<string>;
  /** Cancels a job (never retried); the part file stays until `delete`. */
  cancel(id: string): Promise<Download>;
  /** Pauses a queued or running job (the attempt stops, the part and committed offset stay); `retry` resumes it. */
  pause(id: string): Promise<Download>;
  /** Re-queues a failed, paused or cancelled job. */
  retry(id: string): Promise<Download>;
  /**
   * Deletes a job that is not running: its part file, and its destination if it completed, but
   * only inside the download directory and only when no other live job refers to them.
   * `{ files: false }` forgets the job and leaves every file in place. @default files true
   */
  delete(id: string, options?: { files?: boolean }): Promise<DeleteResult>;
  /** A job's sources (peers and mirrors, oldest first) with their state; no key material. */
  sources(id: string): Promise<DownloadSource[]>;
  /** Jobs, newest first. */
  list(statuses?: readonly DownloadStatus[]): Promise<Download[]>;
  /** One job by id or unique id prefix. */
  get(id: string): Promise<Download | undefined>;
  /** Resolves when the job reaches completed, failed, paused or cancelled; rejects with "shutdown" if the manager closes first. */
  wait(id: string): Promise<Download>;
  /** Resolves when no job runs in this manager. */
  drain(): Promise<void>;
  /**
   * Claims the oldest runnable job nobody holds (`FOR UPDATE SKIP LOCKED` on PostgreSQL) and runs
   * it here: a queue worker's step (`peer downloads run --worker`). Undefined when none is free.
   */
  runNext(): Promise<string | undefined>;
  /** Jobs running in this manager now. */
  activeCount(): number;
  /** Subscribes to events; returns the unsubscribe function. */
  on(listener: DownloadListener): () => void;
  /**
   * The stream tap of a job this manager runs (client/stream/stream-tap.ts): serve its verified
   * pieces while it downloads, and let reads steer it. Throws for a job of unknown size.
   */
  tap(id: string): Promise<StreamTap>;
  /** Aborts attempts, leaves rows resumable (`queued`), closes the database if it opened it. */
  close(): Promise<void>;
}

/** Creates a download manager. Call `start()` before anything else. */
export function createDownloadManager(options: DownloadManagerOptions): DownloadManager {
  const o = resolveDownloadOptions(options);
  const now = options.now ?? Date.now;
  const random = options.random ?? Math.random;
  const fs = options.fs ?? realTransferFs;
  const makeClient = options.createClient ?? createPeerClient;
  const owner = makeLeaseOwner(undefined, undefined, options.workerName);
  const limiter = createLimiter({ global: o.concurrency, perPeer: o.perPeer, folderFiles: o.folderFiles });
  const keys = new Map<string, string>();
  for (const k of options.keys ?? []) keys.set(keyRef(k), k);
  const clients = new Map<string, ClientEntry>();
  const listeners = new Set<DownloadListener>();
  const running = new Map<string, { ctl: AbortController; done: Promise<void> }>();
  /** Pending wait() calls, rejected when the manager closes. */
  const waiters = new Set<(error: DownloadError) => void>();
  const downloadDir = path.resolve(options.downloadDir ?? process.cwd());
  let db: Kysely<ClientDatabase> | undefined = options.db;
  let started = false;
  let closed = false;
  let runJobs = true;
  const taps = createTapRegistry();

  const database = (): Kysely<ClientDatabase> => {
    if (db === undefined || !started) throw new Error("call start() before using the download manager");
    if (closed) throw new Error("the download manager is closed");
    return db;
  };

  function emit(e: DownloadEvent): void {
    taps.onEvent(e);
    for (const l of listeners) {
      try {
        l(e);
      } catch {
        // A listener's bug must not break a download.
      }
    }
  }
  const base = (row: { id: string; file_name: string }) => eventBase(row, now);

  function clientFor(row: Pick<DownloadRow, "peer_url" | "transport" | "key_ref">): ClientEntry | undefined {
    const key = keys.get(row.key_ref);
    if (key === undefined) return undefined;
    const id = `${row.peer_url}\n${row.transport}\n${row.key_ref}`;
    let entry = clients.get(id);
    if (entry === undefined) {
      entry = {
        client: makeClient({
          baseUrl: row.peer_url,
          apiKey: key,
          transport: row.transport as TransportKind,
          clientName: "peer-downloads",
        }),
      };
      clients.set(id, entry);
    }
    return entry;
  }

  async function resolveRow(idOrPrefix: string): Promise<DownloadRow | undefined> {
    const d = database();
    const exact = await repo.getDownloadRow(d, idOrPrefix);
    if (exact !== undefined) return exact;
    if (idOrPrefix.length < 4) return undefined;
    const rows = await repo.findDownloadRowsByIdPrefix(d, idOrPrefix);
    if (rows.length > 1)
      throw new DownloadError(
        "invalid-argument",
        `the id prefix "${idOrPrefix}" matches several jobs; give more characters`,
      );
    return rows[0];
  }

  function schedule(id: string): void {
    if (closed || !runJobs || running.has(id)) return;
    const ctl = new AbortController();
    const done = runJob(jobContext, id, ctl.signal)
      .catch(() => undefined)
      .finally(() => running.delete(id));
    running.set(id, { ctl, done });
  }

  const jobContext: JobContext = {
    get db() {
      return database();
    },
    owner,
    o,
    now,
    random,
    fs,
    limiter,
    clientFor,
    emit,
    tapOf: (row) => taps.forRow(row),
  };

  /** Registers a peer's key (only its fingerprint is stored) and resolves its URL and transport. */
  function register(peer: PeerRef) {
    const ref = keyRef(peer.key);
    keys.set(ref, peer.key);
    return { peerUrl: normalizePeerUrl(peer.url), keyRef: ref, transport: peer.transport ?? o.transport };
  }

  const folderContext: FolderContext = {
    db: database,
    now,
    emit,
    clientFor,
    schedule,
    wait: (id) => manager.wait(id),
    retry: (id) => manager.retry(id),
    maxFileSize: o.maxFileSize,
  };

  const manager: DownloadManager = {
    ...folderMethods(folderContext, downloadDir, register, {
      cancel: (id) => manager.cancel(id),
      delete: (id) => manager.delete(id),
    }),

    async start(startOptions = {}) {
      if (started) return;
      if (db === undefined) {
        if (options.dataDir === undefined && !options.databaseUrl)
          throw new Error("createDownloadManager needs dataDir, databaseUrl or db");
        db = await openDownloadsDatabase(options.dataDir ?? process.cwd(), { databaseUrl: options.databaseUrl });
      }
      started = true;
      runJobs = startOptions.runJobs ?? true;
      await reclaimStaleJobs(jobContext);
      if (runJobs && (startOptions.runQueue ?? true)) {
        for (const row of await repo.findClaimableRows(database(), now())) schedule(row.id);
      }
    },

    async enqueue(peer, itemId, enqueueOptions = {}) {
      const d = database();
      checkItemId(itemId);
      const peerUrl = normalizePeerUrl(peer.url);
      const extra = planSources({
        primaryUrl: peerUrl,
        sources: enqueueOptions.sources,
        mirrors: enqueueOptions.mirrors,
        defaultTransport: o.transport,
      });
      const ref = keyRef(peer.key);
      keys.set(ref, peer.key);
      for (const source of extra.peers) keys.set(source.keyRef, source.key);
      const transport = peer.transport ?? o.transport;
      const entry = clientFor({ peer_url: peerUrl, transport, key_ref: ref });
      if (entry === undefined) throw new Error("unreachable: key registered above");
      const name = localNameOf(itemId);
      const item = await lookUpItem(entry, itemId, enqueueOptions.signal);
      checkItem(item, itemId, name, o.maxFileSize);
      const onExisting = enqueueOptions.onExisting ?? "refuse";
      const outDir = path.resolve(enqueueOptions.outDir ?? downloadDir);
      const destination = await destinationFor(outDir, name, item, onExisting);
      const sequential = enqueueOptions.sequential;
      const job = {
        peerUrl: entry.client.baseUrl,
        keyRef: ref,
        transport,
        itemId,
        item,
        destination,
        name,
        onExisting,
        extra,
        sequential,
      };
      const slot = await createOrReuseJob(d, job, now, emit);
      schedule(slot.id);
      return slot.id;
    },

    async cancel(id) {
      const row = await requireRow(id);
      const ok = await repo.updateDownloadIfStatus(database(), row.id, [...LIVE_STATUSES, "failed"], {
        status: "cancelled",
        lease_owner: null,
        lease_expires_at: null,
        next_attempt_at: null,
        updated_at: now(),
      });
      if (!ok)
        throw new DownloadError(
          "invalid-argument",
          `job ${row.id} is ${row.status}; only unfinished jobs can be cancelled`,
        );
      return stopJob(row, new DownloadError("cancelled", "cancelled by the user"), { ...base(row), type: "cancelled" });
    },

    async pause(id) {
      const row = await requireRow(id);
      const error = new DownloadError("paused-by-user", "paused by the user; retry resumes it");
      const ok = await repo.updateDownloadIfStatus(database(), row.id, RUNNABLE_STATUSES, {
        status: "paused",
        error_code: error.code,
        error_message: error.message,
        lease_owner: null,
        lease_expires_at: null,
        next_attempt_at: null,
        updated_at: now(),
      });
      if (!ok)
        throw new DownloadError(
          "invalid-argument",
          `job ${row.id} is ${row.status}; only queued or running jobs can be paused`,
        );
      return stopJob(row, error, { ...base(row), type: "paused", error: { code: error.code, message: error.message } });
    },

    async retry(id) {
      const d = database();
      const row = await requireRow(id);
      try {
        const ok = await repo.updateDownloadIfStatus(d, row.id, ["failed", "paused", "cancelled"], {
          status: "queued",
          error_code: null,
          error_message: null,
          next_attempt_at: null,
          lease_owner: null,
          lease_expires_at: null,
          updated_at: now(),
        });
        if (!ok)
          throw new DownloadError(
            "invalid-argument",
            `job ${row.id} is ${row.status}; only failed, paused or cancelled jobs can be retried`,
          );
      } catch (err) {
        if (isUniqueViolation(err))
          throw new DownloadError("destination-busy", `another live job writes ${row.destination}; cancel it first`);
        throw err;
      }
      schedule(row.id);
      return toDownload((await repo.getDownloadRow(d, row.id)) ?? row);
    },

    async delete(id, deleteOptions = {}) {
      const d = database();
      const row = await requireRow(id);
      if (RUNNABLE_STATUSES.includes(row.status)) {
        throw new DownloadError("invalid-argument", `job ${row.id} is ${row.status}; cancel it before deleting it`);
      }
      const result: DeleteResult =
        (deleteOptions.files ?? true) ? await deleteJobFiles(d, row, downloadDir) : { removed: [], kept: [] };
      await repo.deleteDownloadRow(d, row.id);
      await deleteSources(d, row.id);
      return result;
    },

    async sources(id) {
      const row = await requireRow(id);
      const t = now();
      return (await listSources(database(), row.id)).map((s) => toDownloadSource(s, row.peer_url, t));
    },

    async list(statuses) {
      return (await repo.listDownloadRows(database(), statuses)).map(toDownload);
    },

    async get(id) {
      const row = await resolveRow(id);
      return row === undefined ? undefined : toDownload(row);
    },

    wait(id) {
      return waitForJob(
        {
          getRow: (jobId) => repo.getDownloadRow(database(), jobId),
          runOf: (jobId) => running.get(jobId)?.done,
          on: (listener) => manager.on(listener),
          onClose: (reject) => {
            waiters.add(reject);
            return () => waiters.delete(reject);
          },
        },
        id,
      );
    },

    async drain() {
      while (running.size > 0) await Promise.all([...running.values()].map((r) => r.done));
    },

    async runNext() {
      if (closed || !runJobs) return undefined;
      const next = await repo.claimNextDownload(database(), { owner, nowMs: now(), leaseMs: o.leaseMs });
      if (next !== undefined) schedule(next.id);
      return next?.id;
    },

    activeCount() {
      return running.size;
    },

    async tap(id) {
      return taps.forRow(await requireRow(id), true);
    },

    on(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },

    async close() {
      if (closed) return;
      const runs = [...running.values()];
      for (const r of runs) r.ctl.abort(new DownloadError("shutdown", "the download manager is closing"));
      await Promise.all(runs.map((r) => r.done));
      closed = true;
      for (const w of [...waiters])
        w(new DownloadError("shutdown", "the download manager closed before the job finished; it stays resumable"));
      for (const { client } of clients.values()) client.close();
      if (options.db === undefined) await db?.destroy();
    },
  };
  return manager;

  async function requireRow(id: string): Promise<DownloadRow> {
    const row = await resolveRow(id);
    if (row === undefined) throw new DownloadError("not-found", `no download job ${id}`);
    return row;
  }

  /** After a user's cancel or pause is stored: make it durable, stop the run (or say so), return the job. */
  async function stopJob(row: DownloadRow, reason: DownloadError, event: DownloadEvent): Promise<Download> {
    const d = database();
    // Stop the run at once, with the user's reason. Waiting for the fsync first let the run's
    // lease renewal see the released row, end as "lease-lost" and report the stop from the row,
    // and then this call reported it a second time (a flaky "two paused events" under load).
    const run = running.get(row.id);
    run?.ctl.abort(reason);
    // A user's decision must survive a power loss (WAL + synchronous=NORMAL defers the fsync).
    await makeCommitsDurable(d);
    if (run !== undefined) await run.done;
    else emit(event);
    return toDownload((await repo.getDownloadRow(d, row.id)) ?? row);
  }
}
