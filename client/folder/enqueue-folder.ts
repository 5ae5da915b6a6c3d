/**
 * `enqueueFolder`: list a folder on the peer, check every path, record the folder job and its
 * manifest, reuse content already on disk, and create one file job per file still to fetch
 * (docs/downloads.md "Folder jobs"). Running it again for the same destination resumes the job:
 * new files are added, files gone upstream are reported and left alone.
 */
import { mkdir, realpath } from "node:fs/promises";
import path from "node:path";
import type { Item } from "../../gen/peer/v1/peer_pb.js";
import { classify, DownloadError } from "../errors.js";
import { checkItemId } from "../manager/enqueue.js";
import type { OnExisting } from "../transfer/existing-policy.js";
import { checkFileName } from "../transfer/safe-name.js";
import type { FolderContext, FolderPeer } from "./folder-context.js";

export type { FolderPeer } from "./folder-context.js";
import { planFolder } from "./folder-plan.js";
import { syncManifest, upsertFolder } from "./folder-manifest.js";
import { settleFiles } from "./settle-file.js";
import { makeTree } from "./safe-tree.js";
import { summarize } from "./folder-jobs.js";

/** The capability a peer advertises when it lists folders (ListItemsRequest.folder). */
export const FOLDERS_CAPABILITY = "folders";
/** Most files one folder job takes (a listing past it is refused, not cut). */
export const MAX_FOLDER_FILES = 100_000;

/** What {@link enqueueFolder} did. */
export interface FolderEnqueueResult {
  /** The folder job's id. */
  readonly id: string;
  /** The folder on this machine (`<out>/<name>`). */
  readonly destination: string;
  /** Files listed and accepted. */
  readonly files: number;
  /** Files copied from earlier downloads by this call, and their bytes. */
  readonly reused: { readonly files: number; readonly bytes: number };
  /** Entries refused (path or size), and why; the rest of the folder proceeds. */
  readonly refused: ReadonlyArray<{ readonly path: string; readonly reason: string }>;
  /** Files of the manifest the peer no longer lists (left alone on disk). */
  readonly removed: readonly string[];
  /** Files not listed by an earlier run of this job. */
  readonly added: readonly string[];
  /** File job ids this folder waits for. */
  readonly jobs: readonly string[];
  /** The folder's name, its files in place now, and its bytes in all and in place (for a progress bar). */
  readonly name: string;
  readonly completedFiles: number;
  readonly bytes: number;
  readonly doneBytes: number;
}

/** `share/a/b/` or `share/a/b` → `share/a/b`; refuses an id that cannot name a folder. */
export function normalizeFolderId(folderId: string): string {
  checkItemId(folderId);
  const id = folderId.replace(/\/+$/, "");
  if (id === "" || id.split("/").some((c) => c === "" || c === "." || c === ".."))
    throw new DownloadError("invalid-argument", `${JSON.stringify(folderId)} is not a folder id such as share/dir/`);
  return id;
}

/** Lists a folder on a peer with the "folders" capability; refuses a peer without it. */
export async function listFolder(ctx: FolderContext, peer: FolderPeer, folderId: string, signal?: AbortSignal) {
  const entry = ctx.clientFor({ peer_url: peer.peerUrl, transport: peer.transport, key_ref: peer.keyRef });
  if (entry === undefined) throw new Error("unreachable: the key is registered by the manager");
  try {
    const hs = await entry.client.handshake({ signal });
    // Never send `folder` to a peer that does not know it: it would list everything.
    if (!hs.capabilities.includes(FOLDERS_CAPABILITY))
      throw new DownloadError(
        "unimplemented",
        `${peer.peerUrl} does not list folders (no "${FOLDERS_CAPABILITY}" capability); upgrade it, or give file ids`,
      );
    const items: Item[] = [];
    for await (const item of entry.client.listAllItems({ folder: folderId, pageSize: 1000 }, { signal })) {
      items.push(item);
      if (items.length > MAX_FOLDER_FILES)
        throw new DownloadError("too-large", `${folderId} holds more than ${MAX_FOLDER_FILES} files`);
    }
    return items;
  } catch (err) {
    const e = classify(err);
    if (e.code === "not-found")
      throw new DownloadError(
        "not-found",
        `${folderId} is not a folder on ${peer.peerUrl} (see peer ls): ${e.message}`,
      );
    throw e;
  }
}

/**
 * Enqueues (or resumes) the folder job for `folderId` from `peer` into `<outDir>/<folder name>`;
 * `onExisting` applies to each file as for a single file. @default onExisting "refuse"
 */
export async function enqueueFolder(
  ctx: FolderContext,
  peer: FolderPeer,
  folderIdArg: string,
  outDir: string,
  signal?: AbortSignal,
  onExisting: OnExisting = "refuse",
): Promise<FolderEnqueueResult> {
  const folderId = normalizeFolderId(folderIdArg);
  const name = folderId.slice(folderId.lastIndexOf("/") + 1);
  const problem = checkFileName(name);
  if (problem !== undefined) throw new DownloadError("unsafe-name", `${problem}; refusing the folder ${folderId}`);
  const items = await listFolder(ctx, peer, folderId, signal);
  if (items.length === 0)
    throw new DownloadError(
      "not-found",
      `${folderId} is not a folder on ${peer.peerUrl}, or it is empty (see peer ls)`,
    );
  const plan = planFolder(folderId, items, ctx.maxFileSize);
  await mkdir(outDir, { recursive: true });
  const root = path.join(await realpath(outDir), name);
  await makeTree(root, []);
  const folder = await upsertFolder(ctx, peer, folderId, name, root);
  const refused = [...plan.refused];
  const { manifest, added, removed } = await syncManifest(ctx, folder.id, plan.files, refused);
  for (const f of plan.emptyFolders) {
    await makeTree(root, f.split("/")).catch((e: Error) =>
      refused.push({ path: f, itemId: `${folderId}/${f}`, reason: e.message }),
    );
  }
  const { reused, jobs } = await settleFiles(ctx, { peer, folder, plan, manifest, onExisting, refused });
  const now = await summarize(ctx, folder);
  const result = {
    ...{ id: folder.id, destination: root, files: plan.files.length, reused, refused, removed, added, jobs, name },
    ...{ completedFiles: now.completed, bytes: now.bytes, doneBytes: now.bytesDone },
  };
  ctx.emit({
    id: folder.id,
    fileName: name,
    time: new Date(ctx.now()).toISOString(),
    type: "folder-queued",
    destination: root,
    files: now.files,
    completedFiles: now.completed,
    bytes: now.bytes,
    doneBytes: now.bytesDone,
    reusedFiles: reused.files,
    reusedBytes: reused.bytes,
    refused: refused.length,
    removed: removed.length,
  });
  return result;
}
