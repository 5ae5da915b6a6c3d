/** The download manager's folder methods (docs/downloads.md "Folder jobs"), over a {@link FolderContext}. */
import path from "node:path";
import type { DeleteResult, FolderMethods, PeerRef } from "../manager/manager-api.js";
import type { OnExisting } from "../transfer/existing-policy.js";
import type { FolderContext } from "./folder-context.js";
import { enqueueFolder, type FolderPeer } from "./enqueue-folder.js";
import { cancelFolder, deleteFolder, getFolder, listFolders, retryFolder, waitFolder } from "./folder-jobs.js";

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
