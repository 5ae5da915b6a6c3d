/**
 * What a download manager's methods share: the database handle, the registered keys, one client per
 * (peer, transport, key), the listeners, the jobs running here and their stream taps. Built once by
 * createDownloadManager (download-manager.ts); the methods are steps over it (job-commands.ts,
 * manager-lifecycle.ts).
 */
import path from "node:path";
import type { Kysely } from "kysely";
import { DownloadError } from "../errors.js";
import type { DownloadEvent, DownloadListener } from "../events/download-events.js";
import { eventBase, runJob, type ClientEntry, type JobContext } from "../job/download-job.js";
import { resolveDownloadOptions, type DownloadManagerOptions, type ResolvedDownloadOptions } from "../options.js";
import { keyRef } from "../remotes/key-ref.js";
import { createPeerClient, normalizePeerUrl } from "../rpc/peer-client.js";
import type { TransportKind } from "../rpc/transport-kind.js";
import { createLimiter } from "../scheduler/limiter.js";
import type { ClientDatabase } from "../store/database.js";
import * as repo from "../store/download.repository.js";
import type { DownloadRow } from "../store/download.table.js";
import { makeLeaseOwner } from "../store/lease.js";
import { realTransferFs } from "../transfer/part-file.js";
import { createTapRegistry, type TapRegistry } from "../stream/tap-registry.js";
import type { FolderPeer } from "../folder/enqueue-folder.js";
import type { PeerRef } from "./manager-api.js";

/** A job running in this manager: how to stop it, and when it has stopped. */
export interface RunningJob {
  readonly ctl: AbortController;
  readonly done: Promise<void>;
}

/** The shared state of one manager. */
export interface ManagerState {
  readonly options: DownloadManagerOptions;
  readonly o: ResolvedDownloadOptions;
  readonly now: () => number;
  /** The directory relative destinations resolve against. @default process.cwd() */
  readonly downloadDir: string;
  readonly keys: Map<string, string>;
  readonly clients: Map<string, ClientEntry>;
  readonly listeners: Set<DownloadListener>;
  readonly running: Map<string, RunningJob>;
  /** Pending wait() calls, rejected when the manager closes. */
  readonly waiters: Set<(error: DownloadError) => void>;
  readonly taps: TapRegistry;
  readonly jobContext: JobContext;
  db: Kysely<ClientDatabase> | undefined;
  started: boolean;
  closed: boolean;
  runJobs: boolean;
}

/** Builds a manager's state from its options (nothing is opened yet: see startManager). */
export function createManagerState(options: DownloadManagerOptions): ManagerState {
  const o = resolveDownloadOptions(options);
  const now = options.now ?? Date.now;
  const s: ManagerState = {
    options,
    o,
    now,
    downloadDir: path.resolve(options.downloadDir ?? process.cwd()),
    keys: new Map((options.keys ?? []).map((k) => [keyRef(k), k])),
    clients: new Map(),
    listeners: new Set(),
    running: new Map(),
    waiters: new Set(),
    taps: createTapRegistry(),
    db: options.db,
    started: false,
    closed: false,
    runJobs: true,
    jobContext: jobContextOf(() => s, options, o),
  };
  return s;
}

/** What a job run needs from its manager (job/context.ts); `state` is read only once jobs run. */
function jobContextOf(
  state: () => ManagerState,
  options: DownloadManagerOptions,
  o: ResolvedDownloadOptions,
): JobContext {
  const makeClient = options.createClient ?? createPeerClient;
  return {
    get db() {
      return database(state());
    },
    owner: makeLeaseOwner(undefined, undefined, options.workerName),
    o,
    now: options.now ?? Date.now,
    random: options.random ?? Math.random,
    fs: options.fs ?? realTransferFs,
    limiter: createLimiter({ global: o.concurrency, perPeer: o.perPeer, folderFiles: o.folderFiles }),
    clientFor: (row) => clientFor(state(), makeClient, row),
    emit: (e) => emit(state(), e),
    tapOf: (row) => state().taps.forRow(row),
  };
}

/** The open database; throws before start() and after close(). */
export function database(s: ManagerState): Kysely<ClientDatabase> {
  if (s.db === undefined || !s.started) throw new Error("call start() before using the download manager");
  if (s.closed) throw new Error("the download manager is closed");
  return s.db;
}

/** Sends an event to the stream taps and every listener; a listener's bug never breaks a download. */
export function emit(s: ManagerState, e: DownloadEvent): void {
  s.taps.onEvent(e);
  for (const l of s.listeners) {
    try {
      l(e);
    } catch {
      // A listener's bug must not break a download.
    }
  }
}

/** The fields every event of a job carries. */
export function base(s: ManagerState, row: { id: string; file_name: string }) {
  return eventBase(row, s.now);
}

/** One client per (peer URL, transport, key), made on first use; undefined when the key is not registered. */
function clientFor(
  s: ManagerState,
  makeClient: NonNullable<DownloadManagerOptions["createClient"]>,
  row: Pick<DownloadRow, "peer_url" | "transport" | "key_ref">,
): ClientEntry | undefined {
  const key = s.keys.get(row.key_ref);
  if (key === undefined) return undefined;
  const id = `${row.peer_url}\n${row.transport}\n${row.key_ref}`;
  let entry = s.clients.get(id);
  if (entry === undefined) {
    entry = {
      client: makeClient({
        baseUrl: row.peer_url,
        apiKey: key,
        transport: row.transport as TransportKind,
        clientName: "peer-downloads",
      }),
    };
    s.clients.set(id, entry);
  }
  return entry;
}

/** Registers a peer's key (only its fingerprint is stored) and resolves its URL and transport. */
export function register(s: ManagerState, peer: PeerRef): FolderPeer {
  const ref = keyRef(peer.key);
  s.keys.set(ref, peer.key);
  return { peerUrl: normalizePeerUrl(peer.url), keyRef: ref, transport: peer.transport ?? s.o.transport };
}

/** Runs a job here unless the manager is closed, runs no jobs, or runs it already. */
export function schedule(s: ManagerState, id: string): void {
  if (s.closed || !s.runJobs || s.running.has(id)) return;
  const ctl = new AbortController();
  const done = runJob(s.jobContext, id, ctl.signal)
    .catch(() => undefined)
    .finally(() => s.running.delete(id));
  s.running.set(id, { ctl, done });
}

/** A job by id or by a unique prefix of at least 4 characters. */
export async function resolveRow(s: ManagerState, idOrPrefix: string): Promise<DownloadRow | undefined> {
  const d = database(s);
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

/** resolveRow, or a "not-found" error. */
export async function requireRow(s: ManagerState, id: string): Promise<DownloadRow> {
  const row = await resolveRow(s, id);
  if (row === undefined) throw new DownloadError("not-found", `no download job ${id}`);
  return row;
}
