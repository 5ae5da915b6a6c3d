/**
 * Folder jobs in `peer downloads list|show|retry|cancel|rm` (docs/downloads.md "Folder jobs"): a
 * folder is one line (n of m files), and the commands given a folder job's id act on the folder.
 */
import type { DownloadManager, FolderSummary } from "../client/index.js";
import { writeJsonLine, writeOut } from "./common.js";
import { folderSummaryLines } from "./folder-progress.js";
import { formatBytes, formatDate } from "./format.js";

/** The JSON form of a folder job. */
export function folderJson(s: FolderSummary): Record<string, unknown> {
  return { type: "folder", ...s, createdAt: s.createdAt.toISOString() };
}

/** A folder job as a row of `peer downloads list`. */
export interface FolderListRow {
  readonly id: string;
  readonly status: string;
  readonly done: number;
  readonly size: number | null;
  readonly item: string;
  readonly error: string;
}

/** The folder's line: its item id with "n of m files", and how many failed. */
export function folderListRow(s: FolderSummary): FolderListRow {
  return {
    id: s.id,
    status: s.status,
    done: s.bytesDone,
    size: s.bytes,
    item: `${s.folderItemId}/ (${s.completed} of ${s.files} files)`,
    error: s.failed.length > 0 ? `${s.failed.length} failed` : "",
  };
}

/** Prints a folder job (`show`, and after cancel or retry). */
export function printFolder(s: FolderSummary, json: boolean | undefined): void {
  if (json) {
    writeJsonLine(folderJson(s));
    return;
  }
  const rows: Array<[string, string]> = [
    ["id", s.id],
    ["folder", `${s.folderItemId}/`],
    ["status", s.status],
    ["peer", s.peerUrl],
    ["destination", s.destination],
    ["files", `${s.completed} of ${s.files} in place`],
    ["progress", `${formatBytes(s.bytesDone)} of ${formatBytes(s.bytes)}`],
    ["created", formatDate(s.createdAt)],
  ];
  writeOut(rows.map(([k, v]) => `${k.padEnd(12)} ${v}\n`).join(""));
  writeOut(`${folderSummaryLines(s).slice(1).join("\n")}\n`);
}

/** The folder job `id` names when it names no file job; undefined otherwise. */
export async function folderOf(m: DownloadManager, id: string): Promise<FolderSummary | undefined> {
  if ((await m.get(id)) !== undefined) return undefined;
  return m.getFolder(id);
}
