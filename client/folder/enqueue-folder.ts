/**
 * `enqueueFolder`: list a folder on the peer, check every path, record the folder job and its
 * manifest, reuse content already on disk, and create one file job per file still to fetch
 * (docs/downloads.md "Folder jobs"). Running it again for the same destination resumes the job:
 * new files are added, files gone upstream are reported and left alone.
 */
import { randomUUID } from "node:crypto";
import { lstat, mkdir, realpath } from "node:fs/promises";
import path from "node:path";
import type { Item } from "../../gen/peer/v1/peer_pb.js";
import { classify, DownloadError } from "../errors.js";
import { checkItemId, createOrReuseJob } from "../manager/enqueue.js";
import * as folders from "../store/download-folder.repository.js";
import type { DownloadFolderRow, FolderFileRow } from "../store/download-folder.table.js";
import type { DownloadRow } from "../store/download.table.js";
import { getDownloadRow, updateDownloadIfStatus } from "../store/download.repository.js";
import type { OnExisting } from "../transfer/existing-policy.js";
import { checkFileName } from "../transfer/safe-name.js";
import type { FolderContext } from "./folder-context.js";
import { findTwins, planFolder, type PlannedFile, type RefusedEntry } from "./folder-plan.js";
import { copyIntoPlace, PlaceError, pickIntactSource, syncDirectories } from "./reuse.js";
import { eachLimited } from "./each-limited.js";
import { makeTree } from "./safe-tree.js";
import { summarize } from "./folder-jobs.js";

/** The capability a peer advertises when it lists folders (ListItemsRequest.folder). */
export const FOLDERS_CAPABILITY = "folders";
/** Files settled at once by {@link enqueueFolder} (copies from disk, job rows). */
const SETTLE_AT_ONCE = 8;

/** Most files one folder job takes (a listing past it is refused, not cut). */
export const MAX_FOLDER_FILES = 100_000;

/** The peer of a folder job, as the manager resolved it. @internal */
export interface FolderPeer {
  readonly peerUrl: string;
  readonly keyRef: string;
  readonly transport: string;
}

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
  const twins = findTwins(plan.files);
  const reused = { files: 0, bytes: 0 };
  const jobs: string[] = [];
  const outcomes = new Map<string, Outcome["kind"]>();
  // One look-up of earlier downloads for the whole manifest; directories synced once at the end.
  const rooted = plan.files.filter((f) => f.piecesRoot !== null && f.size > 0);
  const earlier = await folders.findCompletedByRoots(
    ctx.db(),
    rooted.map((f) => ({ piecesRoot: f.piecesRoot as string, size: f.size })),
  );
  const copies: ReuseBatch = { earlier, directories: new Set() };
  const settled: Array<{ f: PlannedFile; outcome: Outcome } | undefined> = [];
  const settle = async (f: PlannedFile, i: number) => {
    const row = manifest.get(f.rel);
    if (row === undefined) return;
    // A twin of a refused file is fetched on its own.
    const twinOf = twins.get(f.rel);
    const twin = twinOf !== undefined && outcomes.get(twinOf) !== "refused" ? twinOf : undefined;
    const outcome = await settleFile(ctx, { peer, folder, file: f, row, twin, onExisting, copies });
    outcomes.set(f.rel, outcome.kind);
    settled[i] = { f, outcome };
  };
  // Originals first, then their twins (which need the original's outcome); several files at a
  // time, so that copies' fsyncs and the store's writes overlap instead of taking turns.
  const indexed = plan.files.map((f, i) => ({ f, i }));
  await eachLimited(
    indexed.filter((x) => !twins.has(x.f.rel)),
    SETTLE_AT_ONCE,
    (x) => settle(x.f, x.i),
  );
  await eachLimited(
    indexed.filter((x) => twins.has(x.f.rel)),
    SETTLE_AT_ONCE,
    (x) => settle(x.f, x.i),
  );
  await syncDirectories(copies.directories);
  for (const s of settled) {
    if (s === undefined) continue;
    const { f, outcome } = s;
    if (outcome.kind === "reused") {
      reused.files++;
      reused.bytes += f.size;
    } else if (outcome.kind === "job") jobs.push(outcome.id);
    else if (outcome.kind === "refused") refused.push({ path: f.rel, itemId: f.itemId, reason: outcome.reason });
  }
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

async function upsertFolder(
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
async function syncManifest(
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

type Outcome =
  | { kind: "done" }
  | { kind: "reused" }
  | { kind: "twin" }
  | { kind: "job"; id: string }
  | { kind: "refused"; reason: string };

interface FileTask {
  readonly peer: FolderPeer;
  readonly folder: DownloadFolderRow;
  readonly file: PlannedFile;
  readonly row: FolderFileRow;
  /** The relative path of an identical file earlier in the folder. */
  readonly twin: string | undefined;
  readonly onExisting: OnExisting;
  readonly copies: ReuseBatch;
}

/** What the copies of one enqueue share: earlier downloads by `<root>:<size>`, the directories to sync. */
export interface ReuseBatch {
  readonly earlier: ReadonlyMap<string, readonly DownloadRow[]>;
  /** Directories a copy was placed in; the caller fsyncs each once ({@link syncDirectories}). */
  readonly directories: Set<string>;
}

/** One file: already done, its job resumed, copied from disk, left to its twin, or a new file job. */
async function settleFile(ctx: FolderContext, task: FileTask): Promise<Outcome> {
  const d = ctx.db();
  const { file, row, folder } = task;
  const here = path.join(folder.destination, ...file.rel.split("/"));
  // Done earlier and still there; a file removed locally since is fetched (or copied) again.
  if (row.state === "reused" && (await exists(here))) return { kind: "done" };
  if (row.state === "job" && row.download_id !== null) {
    const job = await getDownloadRow(d, row.download_id);
    if (job?.status === "completed" && (await exists(here))) return { kind: "done" };
    if (job !== undefined && job.status !== "completed") {
      // This run's --overwrite or --rename (or neither) is what the user wants now.
      if (job.on_existing !== task.onExisting)
        await updateDownloadIfStatus(d, job.id, [job.status], { on_existing: task.onExisting, updated_at: ctx.now() });
      if (job.status === "failed" || job.status === "cancelled" || job.status === "paused") await ctx.retry(job.id);
      else ctx.schedule(job.id);
      return { kind: "job", id: job.id };
    }
  }
  const components = file.rel.split("/");
  const leaf = components.pop() as string;
  let destination: string;
  try {
    destination = path.join(await makeTree(folder.destination, components), leaf);
  } catch (err) {
    await refuseFile(ctx, row, (err as Error).message);
    return { kind: "refused", reason: (err as Error).message };
  }
  const reused = await reuseFromDisk(ctx, row, file, destination, task.onExisting, task.copies);
  if (reused !== undefined) return reused;
  if (task.twin !== undefined) {
    await folders.updateFolderFile(d, row.id, { state: "twin", reason: task.twin, updated_at: ctx.now() });
    return { kind: "twin" };
  }
  const item = { ...file.item, name: leaf } as Item;
  const { peer } = task;
  const job = {
    ...peer,
    itemId: file.itemId,
    item,
    name: leaf,
    destination,
    folderJobId: folder.id,
    onExisting: task.onExisting,
  };
  const slot = await createOrReuseJob(d, job, ctx.now, ctx.emit);
  await folders.updateFolderFile(d, row.id, { state: "job", download_id: slot.id, updated_at: ctx.now() });
  ctx.schedule(slot.id);
  return { kind: "job", id: slot.id };
}

async function exists(p: string): Promise<boolean> {
  return lstat(p).then(
    () => true,
    () => false,
  );
}

async function refuseFile(ctx: FolderContext, row: FolderFileRow, reason: string): Promise<void> {
  await folders.updateFolderFile(ctx.db(), row.id, { state: "refused", reason, updated_at: ctx.now() });
}

/**
 * Copies a completed download of the same content into place; undefined when there is none to
 * copy. With `batch`, the candidates come from its look-up and the directory is left to the
 * caller to sync (once per directory); without, they are looked up and the directory synced here.
 */
export async function reuseFromDisk(
  ctx: FolderContext,
  row: FolderFileRow,
  file: { readonly piecesRoot: string | null; readonly size: number },
  destination: string,
  onExisting: OnExisting = "refuse",
  batch?: ReuseBatch,
): Promise<Outcome | undefined> {
  if (file.piecesRoot === null || file.size === 0) return undefined;
  const known =
    batch === undefined
      ? await folders.findCompletedByContent(ctx.db(), file.piecesRoot, file.size)
      : (batch.earlier.get(`${file.piecesRoot}:${file.size}`) ?? []);
  const candidates = known.filter((r) => r.destination !== destination);
  const source = await pickIntactSource(candidates, file.piecesRoot);
  if (source === undefined) return undefined;
  let placed: string;
  try {
    placed = await copyIntoPlace(source.destination, destination, file.size, file.piecesRoot, onExisting, {
      syncDirectory: batch === undefined,
    });
    batch?.directories.add(path.dirname(placed));
  } catch (err) {
    // Other content at the destination: the file's own job says so ("destination-exists") as
    // for a single file, and a later --rename or --overwrite applies to it.
    if (err instanceof PlaceError && err.exists) return undefined;
    await refuseFile(ctx, row, (err as Error).message);
    return { kind: "refused", reason: (err as Error).message };
  }
  await folders.updateFolderFile(ctx.db(), row.id, {
    state: "reused",
    reason: `copied from ${source.destination}${placed === destination ? "" : ` to ${path.basename(placed)}`}`,
    updated_at: ctx.now(),
  });
  return { kind: "reused" };
}
