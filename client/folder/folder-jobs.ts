/**
 * A folder job's life after `enqueueFolder` (docs/downloads.md "Folder jobs"): wait for its file
 * jobs and then place the files identical to one of them (fetched once), summarise it, and the
 * user's actions (cancel, retry, delete) applied to every file job.
 */
import path from "node:path";
import { DownloadError } from "../errors.js";
import * as folders from "../store/download-folder.repository.js";
import type { DownloadFolderRow, FolderFileRow } from "../store/download-folder.table.js";
import { getDownloadRow } from "../store/download.repository.js";
import type { FolderContext } from "./folder-context.js";
import { type FolderSummary, type JobFacts, summarizeFolder } from "./folder-summary.js";
import type { OnExisting } from "../transfer/existing-policy.js";
import { copyIntoPlace } from "./reuse.js";

/** The folder job with this id or unique id prefix (4 characters at least). */
export async function resolveFolder(ctx: FolderContext, idOrPrefix: string): Promise<DownloadFolderRow | undefined> {
  const d = ctx.db();
  const exact = await folders.getFolderRow(d, idOrPrefix);
  if (exact !== undefined || idOrPrefix.length < 4) return exact;
  const rows = await folders.findFolderRowsByIdPrefix(d, idOrPrefix);
  if (rows.length > 1)
    throw new DownloadError("invalid-argument", `the id prefix "${idOrPrefix}" matches several folder jobs`);
  return rows[0];
}

async function requireFolder(ctx: FolderContext, id: string): Promise<DownloadFolderRow> {
  const row = await resolveFolder(ctx, id);
  if (row === undefined) throw new DownloadError("not-found", `no folder job ${id}`);
  return row;
}

/** A folder job's summary now. */
export async function summarize(ctx: FolderContext, folder: DownloadFolderRow): Promise<FolderSummary> {
  const d = ctx.db();
  const files = await folders.listFolderFiles(d, folder.id);
  const jobs = new Map<string, JobFacts>();
  for (const r of await folders.listFolderJobRows(d, folder.id)) {
    jobs.set(r.id, {
      status: r.status,
      committedBytes: Number(r.committed_bytes),
      errorCode: r.error_code,
      errorMessage: r.error_message,
    });
  }
  return summarizeFolder(folder, files, jobs);
}

/** Every folder job, newest first. */
export async function listFolders(ctx: FolderContext): Promise<FolderSummary[]> {
  const out: FolderSummary[] = [];
  for (const f of await folders.listFolderRows(ctx.db())) out.push(await summarize(ctx, f));
  return out;
}

/** One folder job's summary by id or prefix. */
export async function getFolder(ctx: FolderContext, id: string): Promise<FolderSummary | undefined> {
  const row = await resolveFolder(ctx, id);
  return row === undefined ? undefined : summarize(ctx, row);
}

/**
 * Waits for every file job of the folder to end, then places the twins (files identical to one
 * that was fetched) by copying it (`onExisting` as for a single file); resolves with the summary. Rejects with "shutdown" when the
 * manager closes first (the job stays resumable).
 */
export async function waitFolder(
  ctx: FolderContext,
  id: string,
  onExisting: OnExisting = "refuse",
): Promise<FolderSummary> {
  const folder = await requireFolder(ctx, id);
  const files = await folders.listFolderFiles(ctx.db(), folder.id);
  const ids = files.filter((f) => f.state === "job" && f.download_id !== null).map((f) => f.download_id as string);
  await ctx.waitAll(ids);
  await placeTwins(ctx, folder, files, onExisting);
  const summary = await summarize(ctx, folder);
  ctx.emit({
    id: folder.id,
    fileName: folder.name,
    time: new Date(ctx.now()).toISOString(),
    type: "folder-ended",
    summary: {
      status: summary.status,
      files: summary.files,
      completed: summary.completed,
      reusedFiles: summary.reused.files,
      reusedBytes: summary.reused.bytes,
      failed: summary.failed.length,
      refused: summary.refused.length,
      removed: summary.removed.length,
    },
  });
  return summary;
}

/** Copies each twin from its original once the original is in place; a twin whose original failed gets its reason. */
async function placeTwins(
  ctx: FolderContext,
  folder: DownloadFolderRow,
  files: readonly FolderFileRow[],
  onExisting: OnExisting,
) {
  const d = ctx.db();
  const byPath = new Map(files.map((f) => [f.rel_path, f]));
  for (const twin of files) {
    if (twin.state !== "twin" || twin.reason === null || twin.pieces_root === null) continue;
    const original = byPath.get(twin.reason);
    const job = original?.download_id ? await getDownloadRow(d, original.download_id) : undefined;
    const ready = original?.state === "reused" || job?.status === "completed";
    if (!ready) {
      // Its identical file will not arrive in this run: say so; the next run fetches it on its own.
      const reason = `its identical file ${twin.reason} was not downloaded (${job?.status ?? original?.state ?? "missing"}); run the command again`;
      await folders.updateFolderFile(d, twin.id, { state: "refused", reason, updated_at: ctx.now() });
      continue;
    }
    const src = path.join(folder.destination, ...twin.reason.split("/"));
    const dst = path.join(folder.destination, ...twin.rel_path.split("/"));
    try {
      await copyIntoPlace(src, dst, Number(twin.size), twin.pieces_root, onExisting);
      await folders.updateFolderFile(d, twin.id, {
        state: "reused",
        reason: `identical to ${twin.reason}`,
        updated_at: ctx.now(),
      });
    } catch (err) {
      const reason = (err as Error).message;
      await folders.updateFolderFile(d, twin.id, { state: "refused", reason, updated_at: ctx.now() });
    }
  }
}

/** Cancels the folder: every unfinished file job is cancelled (parts stay until delete). */
export async function cancelFolder(
  ctx: FolderContext,
  id: string,
  cancelJob: (jobId: string) => Promise<unknown>,
): Promise<FolderSummary> {
  const folder = await requireFolder(ctx, id);
  const now = await summarize(ctx, folder);
  if (now.status === "completed")
    throw new DownloadError(
      "invalid-argument",
      `folder job ${folder.id} is completed; only unfinished folders can be cancelled`,
    );
  await folders.updateFolder(ctx.db(), folder.id, { cancelled: 1, updated_at: ctx.now() });
  for (const r of await folders.listFolderJobRows(ctx.db(), folder.id)) {
    if (r.status !== "completed" && r.status !== "cancelled") await cancelJob(r.id).catch(() => undefined);
  }
  return summarize(ctx, { ...folder, cancelled: 1 });
}

/** Re-queues every failed, paused or cancelled file job of the folder. */
export async function retryFolder(ctx: FolderContext, id: string): Promise<FolderSummary> {
  const folder = await requireFolder(ctx, id);
  await folders.updateFolder(ctx.db(), folder.id, { cancelled: 0, updated_at: ctx.now() });
  for (const r of await folders.listFolderJobRows(ctx.db(), folder.id)) {
    if (r.status === "failed" || r.status === "paused" || r.status === "cancelled") await ctx.retry(r.id);
  }
  return summarize(ctx, { ...folder, cancelled: 0 });
}

/**
 * Deletes the folder job: each file job through the manager's delete (its rules on which files go),
 * then the folder's rows. Refused while a file job runs. Files copied by reuse are left in place.
 */
export async function deleteFolder(
  ctx: FolderContext,
  id: string,
  deleteJob: (
    jobId: string,
  ) => Promise<{ removed: readonly string[]; kept: ReadonlyArray<{ path: string; reason: string }> }>,
) {
  const folder = await requireFolder(ctx, id);
  const rows = await folders.listFolderJobRows(ctx.db(), folder.id);
  const running = rows.find((r) => r.status === "queued" || r.status === "downloading" || r.status === "verifying");
  if (running !== undefined)
    throw new DownloadError("invalid-argument", `folder job ${folder.id} is running; cancel it before deleting it`);
  const removed: string[] = [];
  const kept: Array<{ path: string; reason: string }> = [];
  for (const r of rows) {
    const result = await deleteJob(r.id);
    removed.push(...result.removed);
    kept.push(...result.kept);
  }
  await folders.deleteFolderRows(ctx.db(), folder.id);
  return { removed, kept };
}
