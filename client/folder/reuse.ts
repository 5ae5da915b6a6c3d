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
import { MAX_RENAME_CANDIDATES, type OnExisting, renameCandidate } from "../transfer/existing-policy.js";
import { placeNoReplace, placeReplacing } from "../transfer/safe-fs.js";

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

/** Why a copy could not be placed; `exists` when other content is at the destination. */
export class PlaceError extends Error {
  constructor(
    message: string,
    readonly exists = false,
  ) {
    super(message);
  }
}

/**
 * Copies `src` to `<dst>.part` (reflink where possible), checks the copy's size against `size`,
 * fsyncs it, and places it at `dst` with safe-fs.ts `placeNoReplace` (link(2), which never replaces
 * an existing file); then removes the part and fsyncs the directory. A `dst` with other bytes is
 * decided by `mode` as for a single file (docs/downloads.md "Safe writes"): refused (PlaceError),
 * replaced (`overwrite`), or the copy placed at the first free `name (n).ext` (`rename`).
 * Returns the path used. `syncDirectory: false` leaves the directory's fsync to the caller
 * ({@link syncDirectories}). @default mode "refuse", syncDirectory true
 */
export async function copyIntoPlace(
  src: string,
  dst: string,
  size: number,
  root: string,
  mode: OnExisting = "refuse",
  options: { readonly syncDirectory?: boolean } = {},
): Promise<string> {
  const part = `${dst}.part`;
  let placed = dst;
  // COPYFILE_EXCL opens with O_EXCL, which refuses anything there, a symlink included; a part left
  // by an earlier run is removed (unlink never follows a symlink) and the copy tried once more.
  const flags = constants.COPYFILE_FICLONE | constants.COPYFILE_EXCL;
  await copyFile(src, part, flags).catch(async (err: NodeJS.ErrnoException) => {
    if (err.code !== "EEXIST") throw err;
    await unlink(part);
    await copyFile(src, part, flags);
  });
  // A placed part is gone (placeNoReplace unlinks it): no unlink to fail with ENOENT then.
  let partGone = false;
  try {
    const fh = await open(part, "r+");
    try {
      if ((await fh.stat()).size !== size) throw new PlaceError(`${src} changed while it was copied`);
      await fh.sync();
    } finally {
      await fh.close();
    }
    // Placed by an earlier run that died before recording it: the same bytes are fine.
    if (await placeNoReplace(part, dst)) partGone = true;
    else if (!(await sameContent(dst, size, root))) placed = await placeOther(part, dst, mode, size, root);
  } finally {
    if (!partGone) await unlink(part).catch(() => undefined);
  }
  if (options.syncDirectory !== false) await syncDirectories([path.dirname(placed)]);
  return placed;
}

/**
 * fsyncs each directory, so the names placed in it survive a power loss. A folder's copies sync
 * their directories once at the end, before the folder reports them: a name lost before that is
 * found missing by the next run and copied again (the bytes behind every name were synced first).
 */
export async function syncDirectories(dirs: Iterable<string>): Promise<void> {
  await Promise.all(
    [...dirs].map(async (d) => {
      const dir = await open(d, "r");
      try {
        await dir.sync();
      } catch {
        // Some file systems refuse fsync on a directory.
      } finally {
        await dir.close();
      }
    }),
  );
}

/** `dst` holds other bytes: replace it (`overwrite`), take the first free numbered name (`rename`), or refuse. */
async function placeOther(part: string, dst: string, mode: OnExisting, size: number, root: string): Promise<string> {
  if (mode === "overwrite") {
    // placeReplacing renames the part away; the caller's unlink of it then finds nothing.
    await placeReplacing(part, dst);
    return dst;
  }
  if (mode === "rename") {
    for (let n = 1; n <= MAX_RENAME_CANDIDATES; n++) {
      const candidate = path.join(path.dirname(dst), renameCandidate(path.basename(dst), n));
      if (await placeNoReplace(part, candidate)) return candidate;
      // A numbered copy placed by an earlier run: the same bytes are fine.
      if (await sameContent(candidate, size, root)) return candidate;
    }
  }
  throw new PlaceError(`${dst} already exists with other content; left as it is (--overwrite or --rename)`, true);
}
