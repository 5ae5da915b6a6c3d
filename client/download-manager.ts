/**
 * The download manager: a durable queue of jobs (SQLite through Kysely), run
 * under a global and a per-peer limit, each job held by a lease, each attempt
 * a transfer (see download-job.ts), failures classified once and retried with full-jitter
 * backoff, progress reported as typed events. See downloads.md.
 */
import { randomUUID } from "node:crypto";
import { lstat, mkdir, realpath, rm } from "node:fs/promises";
import path from "node:path";
import type { Kysely } from "kysely";
import { classify, DownloadError } from "./errors.js";
import type { DownloadEvent, DownloadListener } from "./download-events.js";
import { eventBase, runJob, type ClientEntry, type JobContext } from "./download-job.js";
import { canonicalPath, reclaimStaleJobs } from "./download-reclaim.js";
import { keyRef } from "./key-ref.js";
import { resolveDownloadOptions, type DownloadManagerOptions } from "./options.js";
import { createPeerClient, normalizePeerUrl, type TransportKind } from "./peer-client.js";
import { createLimiter } from "./scheduler/limiter.js";
import { makeCommitsDurable, openDownloadsDatabase, type ClientDatabase } from "./store/database.js";
import { toDownload, type Download } from "./store/download-mapper.js";
import * as repo from "./store/download.repository.js";
import { LIVE_STATUSES, RUNNABLE_STATUSES, TERMINAL_STATUSES, type DownloadRow, type DownloadStatus } from "./store/download.table.js";
import { makeLeaseOwner } from "./store/lease.js";
import { realTransferFs } from "./transfer/part-file.js";
import { checkFileName } from "./transfer/safe-name.js";

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

/** The manager. */
export interface DownloadManager {
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
   */
  delete(id: string): Promise<DeleteResult>;
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
  const limiter = createLimiter({ global: o.concurrency, perPeer: o.perPeer });
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

  const database = (): Kysely<ClientDatabase> => {
    if (db === undefined || !started) throw new Error("call start() before using the download manager");
    if (closed) throw new Error("the download manager is closed");
    return db;
  };

  function emit(e: DownloadEvent): void {
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
      entry = { client: makeClient({ baseUrl: row.peer_url, apiKey: key, transport: row.transport as TransportKind, clientName: "peer-downloads" }) };
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
    if (rows.length > 1) throw new DownloadError("invalid-argument", `the id prefix "${idOrPrefix}" matches several jobs; give more characters`);
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
  };

  const manager: DownloadManager = {
    async start(startOptions = {}) {
      if (started) return;
      if (db === undefined) {
        if (options.dataDir === undefined && !options.databaseUrl) throw new Error("createDownloadManager needs dataDir, databaseUrl or db");
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
      if (typeof itemId !== "string" || itemId === "" || itemId.includes("\0")) {
        throw new DownloadError("invalid-argument", "give an item id such as share/dir/file.txt (see peer ls)");
      }
      const ref = keyRef(peer.key);
      keys.set(ref, peer.key);
      const transport = peer.transport ?? o.transport;
      const entry = clientFor({ peer_url: normalizePeerUrl(peer.url), transport, key_ref: ref });
      if (entry === undefined) throw new Error("unreachable: key registered above");
      const { client } = entry;
      entry.handshake ??= client.handshake({ signal: enqueueOptions.signal });
      await entry.handshake.catch((e: unknown) => {
        entry.handshake = undefined;
        throw classify(e);
      });
      const item = await client.statItem(itemId, { signal: enqueueOptions.signal }).catch((e: unknown) => {
        throw classify(e);
      });
      const problem = checkFileName(item.name);
      if (problem !== undefined) throw new DownloadError("unsafe-name", `${problem}; refusing to download ${JSON.stringify(itemId)}`);
      if (Number(item.size) > o.maxFileSize) {
        throw new DownloadError("too-large", `${itemId} is ${item.size} bytes, over the limit of ${o.maxFileSize}`);
      }
      const outDir = path.resolve(enqueueOptions.outDir ?? downloadDir);
      await mkdir(outDir, { recursive: true });
      const dir = await realpath(outDir);
      const destination = path.join(dir, item.name);
      const sha = item.sha256 === "" ? null : item.sha256.toLowerCase();
      for (let tries = 0; tries < 3; tries++) {
        const existing = await repo.findLiveByDestination(d, destination);
        if (existing !== undefined) {
          if (existing.peer_url !== client.baseUrl || existing.item_id !== itemId) {
            throw new DownloadError("destination-busy", `${destination} is the destination of job ${existing.id} (${existing.item_id}); cancel it or choose another --out`);
          }
          // Re-running a download resumes its job; a paused one is retried.
          if (existing.status === "paused") {
            await repo.updateDownloadIfStatus(d, existing.id, ["paused"], { status: "queued", error_code: null, error_message: null, updated_at: now() });
          }
          if (existing.key_ref !== ref || existing.transport !== transport) {
            await d.updateTable("download").set({ key_ref: ref, transport }).where("id", "=", existing.id).execute();
          }
          schedule(existing.id);
          return existing.id;
        }
        const id = randomUUID();
        const t = now();
        try {
          await repo.insertDownload(d, {
            id,
            peer_url: client.baseUrl,
            key_ref: ref,
            transport,
            item_id: itemId,
            file_name: item.name,
            destination,
            part_path: `${destination}.part`,
            expected_size: Number(item.size),
            expected_etag: item.etag === "" ? null : item.etag,
            expected_sha256: sha,
            committed_bytes: 0,
            status: "queued",
            attempts: 0,
            restarts: 0,
            created_at: t,
            updated_at: t,
          });
        } catch (err) {
          if (isUniqueViolation(err)) continue; // someone inserted meanwhile: look again
          throw err;
        }
        emit({ id, fileName: item.name, time: new Date(t).toISOString(), type: "queued", destination });
        schedule(id);
        return id;
      }
      throw new DownloadError("destination-busy", `${destination} is being claimed by another process; try again`);
    },

    async cancel(id) {
      const d = database();
      const row = await resolveRow(id);
      if (row === undefined) throw new DownloadError("not-found", `no download job ${id}`);
      const ok = await repo.updateDownloadIfStatus(d, row.id, [...LIVE_STATUSES, "failed"], {
        status: "cancelled",
        lease_owner: null,
        lease_expires_at: null,
        next_attempt_at: null,
        updated_at: now(),
      });
      if (!ok) throw new DownloadError("invalid-argument", `job ${row.id} is ${row.status}; only unfinished jobs can be cancelled`);
      // A user's decision must survive a power loss (WAL + synchronous=NORMAL defers the fsync).
      await makeCommitsDurable(d);
      const run = running.get(row.id);
      if (run !== undefined) {
        run.ctl.abort(new DownloadError("cancelled", "cancelled by the user"));
        await run.done;
      } else {
        emit({ ...base(row), type: "cancelled" });
      }
      return toDownload((await repo.getDownloadRow(d, row.id)) ?? row);
    },

    async pause(id) {
      const d = database();
      const row = await resolveRow(id);
      if (row === undefined) throw new DownloadError("not-found", `no download job ${id}`);
      const error = new DownloadError("paused-by-user", "paused by the user; retry resumes it");
      const ok = await repo.updateDownloadIfStatus(d, row.id, RUNNABLE_STATUSES, {
        status: "paused",
        error_code: error.code,
        error_message: error.message,
        lease_owner: null,
        lease_expires_at: null,
        next_attempt_at: null,
        updated_at: now(),
      });
      if (!ok) throw new DownloadError("invalid-argument", `job ${row.id} is ${row.status}; only queued or running jobs can be paused`);
      await makeCommitsDurable(d);
      const run = running.get(row.id);
      if (run !== undefined) {
        run.ctl.abort(error);
        await run.done;
      } else {
        emit({ ...base(row), type: "paused", error: { code: error.code, message: error.message } });
      }
      return toDownload((await repo.getDownloadRow(d, row.id)) ?? row);
    },

    async retry(id) {
      const d = database();
      const row = await resolveRow(id);
      if (row === undefined) throw new DownloadError("not-found", `no download job ${id}`);
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
        if (!ok) throw new DownloadError("invalid-argument", `job ${row.id} is ${row.status}; only failed, paused or cancelled jobs can be retried`);
      } catch (err) {
        if (isUniqueViolation(err)) throw new DownloadError("destination-busy", `another live job writes ${row.destination}; cancel it first`);
        throw err;
      }
      schedule(row.id);
      return toDownload((await repo.getDownloadRow(d, row.id)) ?? row);
    },

    async delete(id) {
      const d = database();
      const row = await resolveRow(id);
      if (row === undefined) throw new DownloadError("not-found", `no download job ${id}`);
      if (RUNNABLE_STATUSES.includes(row.status)) {
        throw new DownloadError("invalid-argument", `job ${row.id} is ${row.status}; cancel it before deleting it`);
      }
      const removed: string[] = [];
      const kept: Array<{ path: string; reason: string }> = [];
      const root = await realpath(downloadDir).catch(() => downloadDir);
      // Only a completed job wrote its destination; an unfinished one only owns its part file
      // (the destination may be an older download, or the user's own file).
      const files = row.status === "completed" ? [row.part_path, row.destination] : [row.part_path];
      for (const file of files) {
        const reason = await deletionBlocker(d, row, file, root);
        if (reason === "missing") continue;
        if (reason !== undefined) {
          kept.push({ path: file, reason });
          continue;
        }
        await rm(file, { force: true });
        removed.push(file);
      }
      await repo.deleteDownloadRow(d, row.id);
      return { removed, kept };
    },

    async list(statuses) {
      return (await repo.listDownloadRows(database(), statuses)).map(toDownload);
    },

    async get(id) {
      const row = await resolveRow(id);
      return row === undefined ? undefined : toDownload(row);
    },

    wait(id) {
      return new Promise<Download>((resolve, reject) => {
        let settled = false;
        const check = async () => {
          const row = await repo.getDownloadRow(database(), id);
          if (row === undefined) throw new DownloadError("not-found", `no download job ${id}`);
          if (TERMINAL_STATUSES.includes(row.status) && !running.has(id)) return toDownload(row);
          return undefined;
        };
        const finish = (p: Promise<Download | undefined>) =>
          p.then(
            (dl) => {
              if (dl !== undefined && !settled) {
                settled = true;
                off();
                resolve(dl);
              }
            },
            (err: unknown) => {
              if (!settled) {
                settled = true;
                off();
                reject(err);
              }
            },
          );
        const onClose = (error: DownloadError) => {
          if (!settled) {
            settled = true;
            off();
            reject(error);
          }
        };
        waiters.add(onClose);
        const offEvents = manager.on((e) => {
          if (e.id !== id) return;
          if (e.type === "completed" || e.type === "failed" || e.type === "paused" || e.type === "cancelled") {
            // The job's promise settles right after its last event.
            const run = running.get(id);
            finish((run?.done ?? Promise.resolve()).then(check));
          }
        });
        const off = () => {
          offEvents();
          waiters.delete(onClose);
        };
        finish(check());
      });
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
      for (const w of [...waiters]) w(new DownloadError("shutdown", "the download manager closed before the job finished; it stays resumable"));
      for (const { client } of clients.values()) client.close();
      if (options.db === undefined) await db?.destroy();
    },
  };
  return manager;

  async function deletionBlocker(d: Kysely<ClientDatabase>, row: DownloadRow, file: string, root: string): Promise<string | undefined> {
    let st;
    try {
      st = await lstat(file);
    } catch {
      return "missing";
    }
    if (!st.isFile()) return "not a regular file";
    const dir = await canonicalPath(path.dirname(file));
    if (dir !== root && !dir.startsWith(root + path.sep)) return `outside the download directory ${root}`;
    if ((await repo.countOtherLiveRowsReferring(d, row.id, [file])) > 0) return "another live job refers to it";
    return undefined;
  }
}

function isUniqueViolation(err: unknown): boolean {
  const code = (err as { code?: unknown } | null)?.code;
  // SQLite: SQLITE_CONSTRAINT_UNIQUE; PostgreSQL: 23505.
  return code === "SQLITE_CONSTRAINT_UNIQUE" || code === "23505";
}

