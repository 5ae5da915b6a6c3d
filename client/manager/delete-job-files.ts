/**
 * `delete` of the download manager: removes a finished job's files only inside the
 * download directory and only when no other live job refers to them.
 */
import type { Stats } from "node:fs";
import { lstat, realpath, rm } from "node:fs/promises";
import path from "node:path";
import type { Kysely } from "kysely";
import { canonicalPath } from "../job/reclaim.js";
import type { ClientDatabase } from "../store/database.js";
import * as repo from "../store/download.repository.js";
import type { DownloadRow } from "../store/download.table.js";

/** Result of deleting a job's files. */
export interface DeletedFiles {
  readonly removed: string[];
  readonly kept: Array<{ path: string; reason: string }>;
}

/** Removes the job's part (and its destination when it completed), where allowed. */
export async function deleteJobFiles(
  d: Kysely<ClientDatabase>,
  row: DownloadRow,
  downloadDir: string,
): Promise<DeletedFiles> {
  const removed: string[] = [];
  const kept: Array<{ path: string; reason: string }> = [];
  const root = await realpath(downloadDir).catch(() => downloadDir);
  // Only a completed job wrote its destination; an unfinished one only owns its part file
  // (the destination may be an older download, or the user's own file).
  const files = row.status === "completed" ? [row.part_path, row.destination] : [row.part_path];
  for (const file of files) {
    const reason = await deletionBlocker(d, row, file, root);
    if (reason === "missing") continue;
    if (reason !== undefined) {
      kept.push({ path: file, reason });
      continue;
    }
    await rm(file, { force: true });
    removed.push(file);
  }
  return { removed, kept };
}

/** Why `file` must stay ("missing" when there is nothing to remove); undefined when it may go. */
async function deletionBlocker(
  d: Kysely<ClientDatabase>,
  row: DownloadRow,
  file: string,
  root: string,
): Promise<string | undefined> {
  let st: Stats;
  try {
    st = await lstat(file);
  } catch {
    return "missing";
  }
  if (!st.isFile()) return "not a regular file";
  const dir = await canonicalPath(path.dirname(file));
  if (dir !== root && !dir.startsWith(root + path.sep)) return `outside the download directory ${root}`;
  if ((await repo.countOtherLiveRowsReferring(d, row.id, [file])) > 0) return "another live job refers to it";
  return undefined;
}
