/** The download manager's folder methods (docs/downloads.md "Folder jobs"), over a {@link FolderContext}. */
import path from "node:path";
import type { DeleteResult, PeerRef } from "../download-manager.js";
import type { OnExisting } from "../transfer/existing-policy.js";
import type { FolderContext } from "./folder-context.js";
import { enqueueFolder, type FolderEnqueueResult, type FolderPeer } from "./enqueue-folder.js";
import { cancelFolder, deleteFolder, getFolder, listFolders, retryFolder, waitFolder } from "./folder-jobs.js";
import type { FolderSummary } from "./folder-summary.js";

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

/** Builds the folder methods; `register` records the peer's key with the manager. @internal */
export function folderMethods(
  ctx: FolderContext,
  downloadDir: string,
  register: (peer: PeerRef) => FolderPeer,
  job: { cancel(id: string): Promise<unknown>; delete(id: string): Promise<DeleteResult> },
): FolderMethods {
  // The mode of each folder enqueued here, for its twins placed by waitFolder.
  const modes = new Map<string, OnExisting>();
  return {
    async enqueueFolder(peer, folderId, options = {}) {
      const target = register(peer);
      const outDir = path.resolve(options.outDir ?? downloadDir);
      const mode = options.onExisting ?? "refuse";
      const result = await enqueueFolder(ctx, target, folderId, outDir, options.signal, mode);
      modes.set(result.id, mode);
      return result;
    },
    waitFolder: (id) => waitFolder(ctx, id, modes.get(id)),
    listFolders: () => listFolders(ctx),
    getFolder: (id) => getFolder(ctx, id),
    cancelFolder: (id) => cancelFolder(ctx, id, (j) => job.cancel(j)),
    retryFolder: (id) => retryFolder(ctx, id),
    deleteFolder: (id) => deleteFolder(ctx, id, (j) => job.delete(j)),
  };
}
