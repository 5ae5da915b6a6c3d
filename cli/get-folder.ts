/**
 * `peer get` of one argument: a folder when it ends with `/`, or when the peer has no such item but
 * lists it as a folder (it advertises "folders" and the listing is not empty); a file otherwise
 * (docs/downloads.md "Folder jobs").
 */
import {
  DownloadError,
  type DownloadManager,
  type EnqueueOptions,
  type FolderEnqueueResult,
  type PeerRef,
} from "../client/index.js";

/** Enqueues a file job (its id) or a folder job (its result). */
export async function enqueueItemOrFolder(
  m: DownloadManager,
  peer: PeerRef,
  itemId: string,
  options: EnqueueOptions,
): Promise<string | FolderEnqueueResult> {
  if (itemId.endsWith("/")) return enqueueFolderArgument(m, peer, itemId, options);
  try {
    return await m.enqueue(peer, itemId, options);
  } catch (error) {
    if (!(error instanceof DownloadError) || error.code !== "not-found") throw error;
    try {
      return await enqueueFolderArgument(m, peer, itemId, options);
    } catch (folderError) {
      // Not a folder either (or the peer cannot say): the item's own "not found" is the answer.
      if (
        folderError instanceof DownloadError &&
        (folderError.code === "not-found" || folderError.code === "unimplemented")
      )
        throw error;
      throw folderError;
    }
  }
}

async function enqueueFolderArgument(
  m: DownloadManager,
  peer: PeerRef,
  folderId: string,
  options: EnqueueOptions,
): Promise<FolderEnqueueResult> {
  if ((options.sources?.length ?? 0) > 0 || (options.mirrors?.length ?? 0) > 0)
    throw new DownloadError("invalid-argument", `--source and --mirror apply to files, not to the folder ${folderId}`);
  return m.enqueueFolder(peer, folderId, { signal: options.signal, onExisting: options.onExisting });
}
