/**
 * A folder job as users see it (docs/downloads.md "Folder jobs"): its status and counts, derived
 * from its manifest and its file jobs. Pure.
 */
import type { DownloadStatus } from "../store/download.table.js";
import type { DownloadFolderRow, FolderFileRow } from "../store/download-folder.table.js";

/** A folder job's status: the file jobs' statuses folded into one. */
export type FolderStatus = "queued" | "downloading" | "paused" | "completed" | "failed" | "cancelled";

/** A folder job, summarised. */
export interface FolderSummary {
  readonly id: string;
  readonly name: string;
  /** The folder's item id on the peer. */
  readonly folderItemId: string;
  readonly peerUrl: string;
  /** The folder on this machine. */
  readonly destination: string;
  readonly status: FolderStatus;
  /** Files of the job (listed, accepted, not removed upstream). */
  readonly files: number;
  /** Files in place (downloaded or reused). */
  readonly completed: number;
  readonly bytes: number;
  readonly bytesDone: number;
  /** Files copied from earlier downloads or from an identical file of the folder, and their bytes. */
  readonly reused: { readonly files: number; readonly bytes: number };
  readonly failed: ReadonlyArray<{ readonly path: string; readonly code: string; readonly message: string }>;
  readonly refused: ReadonlyArray<{ readonly path: string; readonly reason: string }>;
  /** Files the peer no longer lists (left alone on disk). */
  readonly removed: readonly string[];
  /** The file job ids. */
  readonly jobs: readonly string[];
  readonly createdAt: Date;
}

/** What a file job contributes. */
export interface JobFacts {
  readonly status: DownloadStatus;
  readonly committedBytes: number;
  readonly errorCode: string | null;
  readonly errorMessage: string | null;
}

/** Summarises a folder from its row, its manifest and its file jobs (by id). */
export function summarizeFolder(
  folder: DownloadFolderRow,
  files: readonly FolderFileRow[],
  jobs: ReadonlyMap<string, JobFacts>,
): FolderSummary {
  let completed = 0;
  let bytes = 0;
  let bytesDone = 0;
  const reused = { files: 0, bytes: 0 };
  const failed: Array<{ path: string; code: string; message: string }> = [];
  const refused: Array<{ path: string; reason: string }> = [];
  const removed: string[] = [];
  const statuses = new Set<string>();
  const jobIds: string[] = [];
  for (const f of files) {
    const size = Number(f.size);
    if (f.state === "refused") refused.push({ path: f.rel_path, reason: f.reason ?? "refused" });
    if (f.state === "removed") removed.push(f.rel_path);
    if (f.state === "refused" || f.state === "removed") continue;
    bytes += size;
    if (f.state === "reused") {
      completed++;
      bytesDone += size;
      reused.files++;
      reused.bytes += size;
      continue;
    }
    const job = f.download_id === null ? undefined : jobs.get(f.download_id);
    if (f.download_id !== null) jobIds.push(f.download_id);
    if (job === undefined) {
      // A twin waits for its identical file; a file with no job yet is queued.
      statuses.add("queued");
      continue;
    }
    statuses.add(job.status);
    if (job.status === "completed") {
      completed++;
      bytesDone += size;
    } else {
      bytesDone += Math.min(size, job.committedBytes);
      if (job.status === "failed")
        failed.push({ path: f.rel_path, code: job.errorCode ?? "failed", message: job.errorMessage ?? "" });
    }
  }
  return {
    id: folder.id,
    name: folder.name,
    folderItemId: folder.folder_item_id,
    peerUrl: folder.peer_url,
    destination: folder.destination,
    status: folderStatus(Number(folder.cancelled) === 1, statuses),
    files: files.filter((f) => f.state !== "refused" && f.state !== "removed").length,
    completed,
    bytes,
    bytesDone,
    reused,
    failed,
    refused,
    removed,
    jobs: jobIds,
    createdAt: new Date(Number(folder.created_at)),
  };
}

/** The folder's status from its cancelled flag and its files' statuses (`queued` for a file without a job). */
export function folderStatus(cancelled: boolean, statuses: ReadonlySet<string>): FolderStatus {
  if (cancelled) return "cancelled";
  if (statuses.has("downloading") || statuses.has("verifying")) return "downloading";
  if (statuses.has("queued")) return "queued";
  if (statuses.has("paused")) return "paused";
  if (statuses.has("failed")) return "failed";
  if (statuses.has("cancelled")) return "cancelled";
  return "completed";
}
