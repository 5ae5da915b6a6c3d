/**
 * Where the engine writes, it never goes through a symbolic link and never replaces a file it did
 * not create (docs/downloads.md "Safe writes"). The one module for that, used by single-file jobs
 * and folder downloads alike:
 *
 * - {@link openPartFile}: the part file, created with O_CREAT|O_EXCL|O_NOFOLLOW, or an existing
 *   one opened with O_NOFOLLOW and fstat'ed: a regular file with one link, or refused;
 * - {@link placeNoReplace}: the final step without replacing anything: `link(part, dest)` (fails
 *   with EEXIST whatever appeared there meanwhile, a symlink included), then unlink the part;
 * - {@link placeReplacing}: the `--overwrite` final step (rename replaces the directory entry,
 *   never writes through a link);
 * - {@link makeDirectory} / {@link makeDirectories}: directories the engine creates, each one
 *   checked with lstat to be a real directory, never a link;
 * - {@link checkRealDirectory}: the stored destination directory is still its real path (no
 *   link was swapped into it since the job was queued).
 *
 * Node has no openat/mkdirat: a directory swapped for a link between the check and the open is
 * out of reach of this module; the checks catch every link planted before the job runs.
 *
 * The metadata calls a job makes every time (lstat, realpath, link, unlink) are synchronous: each is
 * a few microseconds on a local disk, where a call through libuv's thread pool cost 15–25 µs of CPU
 * (an ENOENT also builds an Error with its stack) and, on a busy 2-core machine, handed the CPU to a
 * pool thread (docs/performance.md "Folders"). Opens, writes, fsyncs and copies stay asynchronous.
 */
import { constants, linkSync, lstatSync, realpathSync, unlinkSync } from "node:fs";
import { copyFile, mkdir, open, rename, unlink, type FileHandle } from "node:fs/promises";
import path from "node:path";
import { DownloadError } from "../errors.js";

const { O_RDWR, O_CREAT, O_EXCL, O_NOFOLLOW, O_RDONLY, COPYFILE_EXCL } = constants;

/** Mode of files the engine creates (before the umask). */
export const FILE_MODE = 0o644;

function codeOf(err: unknown): unknown {
  return (err as { code?: unknown } | null)?.code;
}

/** The error for a symbolic link (or another non-regular file) where the engine writes. */
export function unsafePath(p: string, what: string): DownloadError {
  return new DownloadError(
    "unsafe-path",
    `${p} is ${what}; refusing to write through it (remove it, or choose another --out)`,
  );
}

/** Checks an opened handle: a regular file with exactly one link (a hard link to another file is refused); returns its size. */
async function checkOpened(fh: FileHandle, p: string): Promise<number> {
  const st = await fh.stat();
  if (!st.isFile()) throw unsafePath(p, "not a regular file");
  if (st.nlink !== 1) throw unsafePath(p, `a file with ${st.nlink} links`);
  return st.size;
}

/**
 * Opens the part file for reading and writing without following a link: the existing one (a
 * resume), else a new one created with O_EXCL (mode {@link FILE_MODE}). A link at `partPath`
 * (ELOOP), a directory, a device or a file with other hard links is refused with "unsafe-path".
 */
export async function openPartFile(partPath: string): Promise<FileHandle> {
  return (await openPartFileSized(partPath)).fh;
}

/**
 * {@link openPartFile}, with the part's size. A new part is created first (most parts are
 * new: one open, where trying the existing one first cost a failed open, and an fstat): created
 * here with O_CREAT|O_EXCL|O_NOFOLLOW it is a new, empty regular file of ours, so it needs no
 * fstat. EEXIST (a part from an earlier attempt, or a link: O_EXCL never follows one) opens the
 * existing one as {@link openPartFile} always did, fstat-checked.
 */
export async function openPartFileSized(partPath: string): Promise<{ fh: FileHandle; size: number }> {
  try {
    return { fh: await open(partPath, O_RDWR | O_CREAT | O_EXCL | O_NOFOLLOW, FILE_MODE), size: 0 };
  } catch (err) {
    if (codeOf(err) === "ELOOP") throw unsafePath(partPath, "a symbolic link");
    if (codeOf(err) !== "EEXIST") throw err;
  }
  let fh: FileHandle;
  try {
    fh = await open(partPath, O_RDWR | O_NOFOLLOW);
  } catch (err) {
    if (codeOf(err) === "ELOOP") throw unsafePath(partPath, "a symbolic link");
    if (codeOf(err) === "EISDIR") throw unsafePath(partPath, "a directory");
    if (codeOf(err) !== "ENOENT") throw err;
    try {
      // Removed since the first open: create it once more.
      fh = await open(partPath, O_RDWR | O_CREAT | O_EXCL | O_NOFOLLOW, FILE_MODE);
      return { fh, size: 0 };
    } catch (err2) {
      // EEXIST: something (a link) appeared between the opens.
      if (codeOf(err2) === "EEXIST" || codeOf(err2) === "ELOOP") throw unsafePath(partPath, "a symbolic link");
      throw err2;
    }
  }
  try {
    return { fh, size: await checkOpened(fh, partPath) };
  } catch (err) {
    await fh.close().catch(() => undefined);
    throw err;
  }
}

/**
 * Opens an existing file for reading without following a link; undefined when nothing is there,
 * or when it is not a regular file (a link, a directory): such a thing is never "the same file".
 */
export async function openExistingFile(p: string): Promise<FileHandle | undefined> {
  let fh: FileHandle;
  try {
    fh = await open(p, O_RDONLY | O_NOFOLLOW);
  } catch (err) {
    const code = codeOf(err);
    if (code === "ENOENT" || code === "ELOOP" || code === "ENOTDIR") return undefined;
    throw err;
  }
  const st = await fh.stat().catch(async (err: unknown) => {
    await fh.close();
    throw err;
  });
  if (st.isFile()) return fh;
  await fh.close();
  return undefined;
}

/** What is at a path, seen with lstat (a link is a link, never its target). */
export type PathKind = "none" | "file" | "directory" | "symlink" | "other";

/** The kind of `p` and its size (0 unless a file). */
export async function pathKind(p: string): Promise<{ kind: PathKind; size: number }> {
  const st = lstatSync(p, { throwIfNoEntry: false });
  if (st === undefined) return { kind: "none", size: 0 };
  const kind = st.isSymbolicLink() ? "symlink" : st.isFile() ? "file" : st.isDirectory() ? "directory" : "other";
  return { kind, size: kind === "file" ? st.size : 0 };
}

/**
 * Puts the closed part file at `destination` only if nothing is there: link then unlink (the
 * link fails with EEXIST for anything at `destination`, a dangling link included). False when
 * something is there (the part stays). A filesystem without hard links (EPERM, ENOTSUP, ENOSYS:
 * FAT, some FUSE mounts) gets an exclusive copy instead (O_CREAT|O_EXCL, then the part removed).
 */
export async function placeNoReplace(partPath: string, destination: string): Promise<boolean> {
  try {
    linkSync(partPath, destination);
  } catch (err) {
    const code = codeOf(err);
    if (code === "EEXIST") return false;
    if (code !== "EPERM" && code !== "ENOTSUP" && code !== "ENOSYS" && code !== "EOPNOTSUPP") throw err;
    try {
      await copyFile(partPath, destination, COPYFILE_EXCL);
    } catch (err2) {
      if (codeOf(err2) === "EEXIST") return false;
      throw err2;
    }
  }
  unlinkSync(partPath);
  return true;
}

/**
 * Finishes a {@link placeNoReplace} cut short between its link and its unlink (a crash): when
 * the part and the destination are one regular file (same device and inode), the part name is
 * removed and true returned; otherwise nothing is touched.
 */
export async function finishLinkedPlacement(partPath: string, destination: string): Promise<boolean> {
  // The part first: it is missing for nearly every job (a new one), and then the destination is not looked at.
  const a = lstatSync(partPath, { throwIfNoEntry: false });
  if (a === undefined || !a.isFile() || a.nlink < 2) return false;
  const b = lstatSync(destination, { throwIfNoEntry: false });
  if (b === undefined || !b.isFile() || a.dev !== b.dev || a.ino !== b.ino) return false;
  await unlink(partPath);
  return true;
}

/**
 * Puts the part file at `destination`, replacing what is there (`--overwrite`): rename replaces
 * the directory entry itself — a link there is replaced, its target untouched; a directory is
 * refused by the system (EISDIR).
 */
export async function placeReplacing(partPath: string, destination: string): Promise<void> {
  await rename(partPath, destination);
}

/**
 * Creates directory `dir` (its parent must exist), or accepts one already there when lstat says it
 * is a real directory; a link or a file there is refused with "unsafe-path". Mode 0755 before the umask.
 */
export async function makeDirectory(dir: string): Promise<void> {
  // lstat first: a folder's files mostly land in directories made for an earlier file, and a
  // failed mkdir costs a syscall and a thrown error each (2,315 of them for 1,000 files).
  let { kind } = await pathKind(dir);
  if (kind === "none") {
    try {
      await mkdir(dir, 0o755);
    } catch (err) {
      // mkdir never follows a link at `dir` (EEXIST): lstat tells what is there.
      if (codeOf(err) !== "EEXIST") throw err;
    }
    ({ kind } = await pathKind(dir));
  }
  if (kind !== "directory") throw unsafePath(dir, kind === "symlink" ? "a symbolic link" : `a ${kind}`);
}

/**
 * Creates `segments` one by one below `root` (which must exist and is trusted as given: the
 * user's own `--out`, links in it honoured), each through {@link makeDirectory}; returns the
 * deepest path. Segments must be plain names (checked by the caller with safe-name.ts).
 */
export async function makeDirectories(root: string, segments: readonly string[]): Promise<string> {
  let dir = root;
  for (const segment of segments) {
    dir = path.join(dir, segment);
    await makeDirectory(dir);
  }
  return dir;
}

/**
 * Makes sure `dir` (absolute; the user's `--out`) exists: the deepest existing ancestor is the
 * user's and honoured as it is, links included; every missing directory below it is created by
 * {@link makeDirectory} (none through a link). Returns `dir`.
 */
export async function ensureDirectory(dir: string): Promise<string> {
  const missing: string[] = [];
  let at = path.resolve(dir);
  for (;;) {
    const { kind } = await pathKind(at);
    if (kind !== "none") break;
    const parent = path.dirname(at);
    if (parent === at) break;
    missing.unshift(path.basename(at));
    at = parent;
  }
  await makeDirectories(at, missing);
  return dir;
}

/**
 * Refuses a destination directory that is no longer its own real path: a queued job stores
 * realpath(--out), so any link found on that path now was put there after the job was made.
 */
export async function checkRealDirectory(dir: string): Promise<void> {
  let real: string;
  try {
    // realpath(3), as fs.promises.realpath runs it in the thread pool.
    real = realpathSync.native(dir);
  } catch (err) {
    if (codeOf(err) === "ENOENT") {
      throw new DownloadError(
        "unsafe-path",
        `the download directory ${dir} is gone; create it or choose another --out`,
      );
    }
    throw err;
  }
  if (real !== dir) throw unsafePath(dir, `reached through a symbolic link (to ${real})`);
}
