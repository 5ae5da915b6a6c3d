/**
 * Content already on disk is reused, not fetched (docs/downloads.md "Reuse"): a completed download
 * of the same (pieces root, size) whose file is intact is copied with `COPYFILE_FICLONE` (a
 * reflink where the file system can, else a copy) into a part file, then placed without
 * replacing anything.
 */
import { createHash } from "node:crypto";
import { constants, createReadStream } from "node:fs";
import { copyFile, lstat, open, unlink } from "node:fs/promises";
import path from "node:path";
import { pieceLengthFor } from "../../common/pieces/tree.js";
import { createTreeBuilder } from "../../common/pieces/tree-builder.js";
import { toHex } from "../../common/pieces/hex.js";
import type { DownloadRow } from "../store/download.table.js";
import { placeNoReplace } from "../transfer/safe-fs.js";

/** How a completed download's file looks now. */
export type FileCondition = "intact" | "changed" | "gone";

/**
 * Pure: a file is intact when it is a regular file of the expected size, modified no later than the
 * job completed; of the right size but touched since, it must be re-verified; anything else is gone.
 */
export function fileCondition(
  st: { isFile(): boolean; size: number; mtimeMs: number } | undefined,
  expectedSize: number,
  completedAt: number | null,
): FileCondition {
  if (st === undefined || !st.isFile() || st.size !== expectedSize) return "gone";
  return completedAt !== null && st.mtimeMs <= completedAt ? "intact" : "changed";
}

/** The BEP 52 pieces root of a file on disk (64 hex; "" for an empty file). */
export async function fileRoot(file: string, size: number): Promise<string> {
  const sha = (b: Uint8Array) => createHash("sha256").update(b).digest();
  const tree = createTreeBuilder({ size, pieceLength: pieceLengthFor(size), hash: sha });
  for await (const chunk of createReadStream(file, { highWaterMark: 1 << 20 })) tree.update(chunk as Buffer);
  const { root } = tree.finish();
  return root.length === 0 ? "" : toHex(root);
}

async function lstatOrUndefined(p: string) {
  try {
    return await lstat(p);
  } catch {
    return undefined;
  }
}

/** A source file proven to hold `root`: intact since it completed, or re-verified now. Undefined when none. */
export async function pickIntactSource(rows: readonly DownloadRow[], root: string): Promise<DownloadRow | undefined> {
  for (const row of rows) {
    const size = Number(row.expected_size);
    const st = await lstatOrUndefined(row.destination);
    const condition = fileCondition(st, size, row.completed_at === null ? null : Number(row.completed_at));
    if (condition === "intact") return row;
    if (condition === "changed" && (await fileRoot(row.destination, size)) === root) return row;
  }
  return undefined;
}

/** True when `file` is a regular file (not a symlink) holding exactly `root` and `size`. */
export async function sameContent(file: string, size: number, root: string): Promise<boolean> {
  const st = await lstatOrUndefined(file);
  if (st === undefined || !st.isFile() || st.size !== size) return false;
  return (await fileRoot(file, size)) === root;
}

/** Why a copy could not be placed. */
export class PlaceError extends Error {}

/**
 * Copies `src` to `<dst>.part` (reflink where possible), checks the copy's size against `size`,
 * fsyncs it, and places it at `dst` with safe-fs.ts `placeNoReplace` (link(2), which never replaces
 * an existing file); then removes the part and fsyncs the directory. Throws PlaceError when `dst` exists with other bytes.
 */
export async function copyIntoPlace(src: string, dst: string, size: number, root: string): Promise<void> {
  const part = `${dst}.part`;
  // unlink never follows a symlink; COPYFILE_EXCL opens with O_EXCL, which refuses one.
  await unlink(part).catch(() => undefined);
  await copyFile(src, part, constants.COPYFILE_FICLONE | constants.COPYFILE_EXCL);
  try {
    const fh = await open(part, "r+");
    try {
      if ((await fh.stat()).size !== size) throw new PlaceError(`${src} changed while it was copied`);
      await fh.sync();
    } finally {
      await fh.close();
    }
    // Placed by an earlier run that died before recording it: the same bytes are fine.
    if (!(await placeNoReplace(part, dst)) && !(await sameContent(dst, size, root)))
      throw new PlaceError(`${dst} already exists; left as it is`);
  } finally {
    await unlink(part).catch(() => undefined);
  }
  const dir = await open(path.dirname(dst), "r");
  try {
    await dir.sync();
  } catch {
    // Some file systems refuse fsync on a directory.
  } finally {
    await dir.close();
  }
}
