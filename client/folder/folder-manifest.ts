/** A folder job's row and its manifest (docs/downloads.md "Folder jobs"): created or resumed, and kept in step with the listing. */
import { randomUUID } from "node:crypto";
import { DownloadError } from "../errors.js";
import * as folders from "../store/download-folder.repository.js";
import type { DownloadFolderRow } from "../store/download-folder.table.js";
import type { FolderContext, FolderPeer } from "./folder-context.js";
import type { PlannedFile, RefusedEntry } from "./folder-plan.js";

/** The folder job writing into `destination`: resumed (a cancelled one too) or created; another folder there is refused. */
export async function upsertFolder(
  ctx: FolderContext,
  peer: FolderPeer,
  folderId: string,
  name: string,
  destination: string,
): Promise<DownloadFolderRow> {
  const d = ctx.db();
  const t = ctx.now();
  const existing = await folders.findFolderByDestination(d, destination);
  const fields = { peer_url: peer.peerUrl, key_ref: peer.keyRef, transport: peer.transport, updated_at: t };
  if (existing !== undefined) {
    if (existing.folder_item_id !== folderId)
      throw new DownloadError(
        "destination-busy",
        `${destination} is the destination of folder job ${existing.id} (${existing.folder_item_id}); choose another --out`,
      );
    // Running the command again is the user asking for the folder: a cancelled folder resumes.
    await folders.updateFolder(d, existing.id, { ...fields, cancelled: 0 });
    return { ...existing, ...fields, cancelled: 0 };
  }
  const row = { id: randomUUID(), ...fields, folder_item_id: folderId, name, destination, cancelled: 0, created_at: t };
  await folders.insertFolder(d, row);
  return row;
}

/** Brings the manifest up to date with the listing: new files added, files gone marked removed, refusals recorded. */
export async function syncManifest(
  ctx: FolderContext,
  folderJobId: string,
  files: readonly PlannedFile[],
  refused: readonly RefusedEntry[],
) {
  const d = ctx.db();
  const t = ctx.now();
  const before = new Map((await folders.listFolderFiles(d, folderJobId)).map((r) => [r.rel_path, r]));
  const listed = new Set<string>();
  const added: string[] = [];
  await d.transaction().execute(async (trx) => {
    for (const f of files) {
      listed.add(f.rel);
      const old = before.get(f.rel);
      const facts = { item_id: f.itemId, size: f.size, etag: f.etag || null, pieces_root: f.piecesRoot, updated_at: t };
      if (old === undefined) {
        added.push(f.rel);
        const row = { folder_job_id: folderJobId, rel_path: f.rel, ...facts, state: "job" as const, created_at: t };
        await folders.insertFolderFile(trx, { ...row, download_id: null, reason: null });
      } else if (old.state === "refused" || old.state === "removed") {
        // Listed (and accepted) again: back in the job, from scratch.
        await folders.updateFolderFile(trx, old.id, { ...facts, state: "job", download_id: null, reason: null });
      } else await folders.updateFolderFile(trx, old.id, facts);
    }
    for (const r of refused) {
      listed.add(r.path);
      const old = before.get(r.path);
      const patch = { state: "refused" as const, reason: r.reason, updated_at: t };
      if (old !== undefined) await folders.updateFolderFile(trx, old.id, patch);
      else {
        const row = { folder_job_id: folderJobId, rel_path: r.path, item_id: r.itemId, size: 0, created_at: t };
        await folders.insertFolderFile(trx, { ...row, ...patch, etag: null, pieces_root: null, download_id: null });
      }
    }
  });
  const removed: string[] = [];
  for (const [rel, row] of before) {
    if (listed.has(rel) || row.state === "removed") continue;
    removed.push(rel);
    await folders.updateFolderFile(d, row.id, {
      state: "removed",
      reason: "no longer listed by the peer",
      updated_at: t,
    });
  }
  const manifest = new Map((await folders.listFolderFiles(d, folderJobId)).map((r) => [r.rel_path, r]));
  if (before.size === 0) added.length = 0;
  return { manifest, added, removed };
}
