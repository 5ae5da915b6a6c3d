/**
 * Settling a folder's files (docs/downloads.md "Folder jobs", "Reuse"): each file is already done,
 * its job resumed, copied from an earlier download, left to an identical file of the folder, or
 * given a new file job.
 */
import { lstat } from "node:fs/promises";
import path from "node:path";
import type { Item } from "../../gen/peer/v1/peer_pb.js";
import * as folders from "../store/download-folder.repository.js";
import type { DownloadFolderRow, FolderFileRow } from "../store/download-folder.table.js";
import type { DownloadRow } from "../store/download.table.js";
import { getDownloadRow, updateDownloadIfStatus } from "../store/download.repository.js";
import type { OnExisting } from "../transfer/existing-policy.js";
import { eachLimited } from "./each-limited.js";
import { createFileJobs, type PendingFileJob } from "./file-jobs.js";
import type { FolderContext, FolderPeer } from "./folder-context.js";
import { findTwins, type FolderPlan, type PlannedFile, type RefusedEntry } from "./folder-plan.js";
import { copyIntoPlace, PlaceError, pickIntactSource, syncDirectories } from "./reuse.js";
import { treeMaker, type TreeMaker } from "./safe-tree.js";

/** How many files settle at once: copies' fsyncs and the store's writes overlap instead of taking turns. */
const SETTLE_AT_ONCE = 8;
/**
 * New file jobs created in one transaction (client/folder/file-jobs.ts): a batch goes once this
 * many are waiting, the rest at the end; its jobs start when it is committed.
 */
const JOBS_PER_BATCH = 200;

/** What {@link settleFiles} needs: the folder, its plan and manifest, this run's never-clobber mode. */
export interface SettleInput {
  readonly peer: FolderPeer;
  readonly folder: DownloadFolderRow;
  readonly plan: FolderPlan;
  readonly manifest: ReadonlyMap<string, FolderFileRow>;
  readonly onExisting: OnExisting;
  /** Refusals so far; the files refused while settling are added. */
  readonly refused: RefusedEntry[];
}

/** Settles every file of the plan, originals before their twins; returns what was reused and the file jobs. */
export async function settleFiles(ctx: FolderContext, input: SettleInput) {
  const { peer, folder, plan, manifest, onExisting, refused } = input;
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
  const makeTree = treeMaker();
  const settled: Array<{ f: PlannedFile; outcome: Outcome } | undefined> = [];
  // Files that need a new file job: created a batch at a time, then scheduled in settle order.
  let waiting: Array<{ f: PlannedFile; i: number; pending: PendingFileJob }> = [];
  const flush = async () => {
    const taken = waiting;
    waiting = [];
    if (taken.length === 0) return;
    const ids = await createFileJobs(
      ctx,
      taken.map((w) => w.pending),
    );
    taken.forEach((w, k) => {
      const id = ids[k] as string;
      settled[w.i] = { f: w.f, outcome: { kind: "job", id } };
      ctx.schedule(id);
    });
  };
  const settle = async (f: PlannedFile, i: number) => {
    const row = manifest.get(f.rel);
    if (row === undefined) return;
    // A twin of a refused file is fetched on its own.
    const twinOf = twins.get(f.rel);
    const twin = twinOf !== undefined && outcomes.get(twinOf) !== "refused" ? twinOf : undefined;
    const outcome = await settleFile(ctx, { peer, folder, file: f, row, twin, onExisting, copies, makeTree });
    if (outcome.kind === "new") {
      outcomes.set(f.rel, "job");
      waiting.push({ f, i, pending: outcome.pending });
      if (waiting.length >= JOBS_PER_BATCH) await flush();
      return;
    }
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
  await flush();
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
  return { reused, jobs };
}

type Outcome =
  | { kind: "done" }
  | { kind: "reused" }
  | { kind: "twin" }
  | { kind: "job"; id: string }
  /** A new file job to create ({@link createFileJobs}, with the others of its batch). */
  | { kind: "new"; pending: PendingFileJob }
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
  /** Makes the file's directories (each once per pass). */
  readonly makeTree: TreeMaker;
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
    destination = path.join(await task.makeTree(folder.destination, components), leaf);
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
  return { kind: "new", pending: { job, rowId: row.id, t: ctx.now() } };
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
