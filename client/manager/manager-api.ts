/** The download manager's interface and the options of its methods (the implementation: download-manager.ts). */
import type { DownloadListener } from "../events/download-events.js";
import type { FolderEnqueueResult } from "../folder/enqueue-folder.js";
import type { FolderSummary } from "../folder/folder-summary.js";
import type { TransportKind } from "../rpc/transport-kind.js";
import type { Download } from "../store/download-mapper.js";
import type { DownloadSource } from "../store/download-source-mapper.js";
import type { DownloadStatus } from "../store/download.table.js";
import type { StreamTap } from "../stream/stream-tap.js";
import type { OnExisting } from "../transfer/existing-policy.js";

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

/** Options of {@link FolderMethods.enqueueFolder}. */
export interface EnqueueFolderOptions {
  /** The folder lands in `<outDir>/<folder name>`. @default the manager's downloadDir */
  outDir?: string;
  /** Aborts the listing. */
  signal?: AbortSignal;
  /**
   * A file whose destination holds other content: refused, replaced, or placed at `name (n).ext`,
   * per file as for a single file (docs/downloads.md "Safe writes"). Kept for this manager's
   * `waitFolder` of the folder (its identical files). @default "refuse"
   */
  onExisting?: OnExisting;
}

/** The folder half of the DownloadManager. */
export interface FolderMethods {
  /**
   * Lists `folderId` (`share/dir` or `share/dir/`) on a peer with the "folders" capability, checks
   * every path, and creates (or resumes) the folder job writing into `<outDir>/<folder name>`:
   * files already on disk are copied, the rest become file jobs, run by this manager.
   */
  enqueueFolder(peer: PeerRef, folderId: string, options?: EnqueueFolderOptions): Promise<FolderEnqueueResult>;
  /** Waits for the folder's file jobs, places its identical files, and resolves with its summary. */
  waitFolder(id: string): Promise<FolderSummary>;
  /** Folder jobs, newest first. */
  listFolders(): Promise<FolderSummary[]>;
  /** One folder job by id or unique id prefix. */
  getFolder(id: string): Promise<FolderSummary | undefined>;
  /** Cancels every unfinished file job of the folder. */
  cancelFolder(id: string): Promise<FolderSummary>;
  /** Re-queues the folder's failed, paused or cancelled file jobs (and runs them here). */
  retryFolder(id: string): Promise<FolderSummary>;
  /** Deletes a folder job that is not running, with its file jobs (their files as `delete` would). */
  deleteFolder(id: string): Promise<DeleteResult>;
}
