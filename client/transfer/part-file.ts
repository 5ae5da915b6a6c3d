/**
 * The part file next to the destination (same filesystem, so the final link or rename
 * is atomic). Durability order (docs/downloads.md steps 2, 4, 5): resume from
 * min(committed, part size) after truncating — never trust a tail written after
 * the last fsync — and at the end fsync the part, put it in place, fsync the directory.
 * Opening and placing go through safe-fs.ts (no link followed, nothing replaced).
 */
import type { Hash } from "node:crypto";
import { closeSync, openSync } from "node:fs";
import type { FileHandle } from "node:fs/promises";
import path from "node:path";
import { DownloadError } from "../errors.js";
import { MAX_RENAME_CANDIDATES, renameCandidate, type OnExisting } from "./existing-policy.js";
import { openPartFileSized, placeNoReplace, placeReplacing } from "./safe-fs.js";
import { fsyncFd } from "../../common/files/fsync-fd.js";
import { createSyncGroup } from "../../common/files/sync-group.js";

/** The write layer, injectable so tests can simulate a full disk. */
export interface TransferFs {
  /** Writes all of `data` at `position`. */
  write(fh: FileHandle, data: Uint8Array, position: number): Promise<void>;
  /**
   * Writes all of `parts`, one after the other, from `position` (gathered writes without
   * joining them first). @default undefined: the write-behind joins the parts and calls `write`
   */
  writev?: ((fh: FileHandle, parts: readonly Uint8Array[], position: number) => Promise<void>) | undefined;
  /**
   * While a write is in flight, received chunks are gathered into one write of up to about
   * this many bytes (an idle disk gets each chunk at once); either way one write stays in
   * flight while the next chunk is read. @default 0: one write per received chunk (1 MiB for
   * {@link realTransferFs})
   */
  readonly writeBytes?: number | undefined;
}

/** Size of the writes of the real layer: HTTP delivers 64 KiB chunks; gather 1 MiB. */
export const REAL_WRITE_BYTES = 1024 * 1024;

/** The real write layer: writes of about 1 MiB, looping over short writes. */
export const realTransferFs: TransferFs = {
  writeBytes: REAL_WRITE_BYTES,
  async write(fh, data, position) {
    let done = 0;
    while (done < data.length) {
      const { bytesWritten } = await fh.write(data, done, data.length - done, position + done);
      done += bytesWritten;
    }
  },
  async writev(fh, parts, position) {
    let { bytesWritten: done } = await fh.writev(parts as Uint8Array[], position);
    // A short writev (rare on a regular file): the rest part by part.
    let at = 0;
    for (const part of parts) {
      if (done >= part.length) {
        done -= part.length;
        at += part.length;
        continue;
      }
      await realTransferFs.write(fh, part.subarray(done), position + at + done);
      at += part.length;
      done = 0;
    }
  },
};

/** An opened part file and where to resume. */
export interface OpenedPart {
  readonly fh: FileHandle;
  /** Bytes kept: min(committed, part size), or 0 when the part was oversize. */
  readonly resumeOffset: number;
  /** True when an oversize part was discarded. */
  readonly discarded: boolean;
}

/** Opens (creating, never through a link) the part file and truncates it to the resume point. */
export async function openPart(partPath: string, committed: number, expectedSize: number | null): Promise<OpenedPart> {
  const { fh, size } = await openPartFileSized(partPath);
  try {
    let resumeOffset = Math.max(0, Math.min(committed, size));
    const discarded = expectedSize !== null && size > expectedSize;
    if (discarded) resumeOffset = 0;
    if (size !== resumeOffset) await fh.truncate(resumeOffset);
    return { fh, resumeOffset, discarded };
  } catch (err) {
    await fh.close();
    throw err;
  }
}

/**
 * Opens (creating, never through a link) the part file for the per-piece check and cuts what
 * lies past `size` (nothing there belongs to the file); the rest is kept, unrecorded pieces
 * are checked from disk. Returns the handle and the part's kept size.
 */
export async function openPartWithin(partPath: string, size: number): Promise<{ fh: FileHandle; partSize: number }> {
  const { fh, size: found } = await openPartFileSized(partPath);
  try {
    if (found > size) await fh.truncate(size);
    return { fh, partSize: Math.min(found, size) };
  } catch (err) {
    await fh.close();
    throw err;
  }
}

/** Feeds the first `length` bytes of the part into `hash` (the kept prefix on a resume). */
export async function hashPrefix(fh: FileHandle, length: number, hash: Hash, signal?: AbortSignal): Promise<void> {
  const buf = Buffer.allocUnsafe(1024 * 1024);
  let pos = 0;
  while (pos < length) {
    signal?.throwIfAborted();
    const { bytesRead } = await fh.read(buf, 0, Math.min(buf.length, length - pos), pos);
    if (bytesRead === 0) throw new Error(`the part file is shorter than ${length} bytes`);
    hash.update(buf.subarray(0, bytesRead));
    pos += bytesRead;
  }
}

/**
 * fsyncs a directory so a rename in it survives power loss (POSIX leaves this to the caller).
 * Callers at the same time share one fsync that started after they called (sync-group.ts).
 */
export function fsyncDirectory(dir: string): Promise<void> {
  return directorySyncs.sync(dir);
}

const directorySyncs = createSyncGroup(fsyncDirectoryNow);

async function fsyncDirectoryNow(dir: string): Promise<void> {
  // The open and the close are synchronous (microseconds: safe-fs.ts says why), the fsync is not.
  const fd = openSync(dir, "r");
  try {
    await fsyncFd(fd);
  } catch (err) {
    // Some filesystems refuse fsync on directories (EINVAL/EISDIR on a few platforms): nothing more we can do there.
    const code = (err as { code?: unknown }).code;
    if (code !== "EINVAL" && code !== "EISDIR" && code !== "EPERM") throw err;
  } finally {
    closeSync(fd);
  }
}

/** Where the finished part goes and what to do when something is there. */
export interface Placement {
  /** The job's destination (absolute). */
  readonly destination: string;
  /** What to do when the destination exists at the final step. @default "refuse" */
  readonly onExisting?: OnExisting | undefined;
}

/**
 * Puts the closed part in place without replacing anything unless `--overwrite`: the
 * destination, else (`--rename`) the first free `name (n).ext`; returns the path used. A file
 * that appeared meanwhile is never replaced: "destination-exists", the part kept.
 */
export async function placePart(partPath: string, p: Placement): Promise<string> {
  const mode = p.onExisting ?? "refuse";
  if (mode === "overwrite") {
    await placeReplacing(partPath, p.destination);
    return p.destination;
  }
  if (await placeNoReplace(partPath, p.destination)) return p.destination;
  if (mode === "rename") {
    const dir = path.dirname(p.destination);
    const name = path.basename(p.destination);
    for (let n = 1; n <= MAX_RENAME_CANDIDATES; n++) {
      const candidate = path.join(dir, renameCandidate(name, n));
      if (await placeNoReplace(partPath, candidate)) return candidate;
    }
  }
  throw destinationExists(p.destination, `; the download is kept in ${partPath}`);
}

/** The "destination-exists" error: names the file and the two ways out. */
export function destinationExists(destination: string, more = ""): DownloadError {
  return new DownloadError(
    "destination-exists",
    `${destination} already exists with other content and was left alone${more}; run again with ` +
      "--rename to keep both (name (1).ext) or --overwrite to replace it",
  );
}

/**
 * fsync part → close → put in place ({@link placePart}) → fsync the directory; returns the path used.
 * `synced`: the part was fsynced after its last write already (part-session.ts `finish`), so it is not
 * fsynced again. @default false
 */
export async function commitPart(
  fh: FileHandle,
  partPath: string,
  placement: Placement,
  synced = false,
): Promise<string> {
  if (!synced) await fh.datasync();
  await fh.close();
  const placed = await placePart(partPath, placement);
  await fsyncDirectory(path.dirname(placed));
  return placed;
}

/**
 * Runs the final step while the job is still ours: `guard` (the store's fencing check) calls
 * `commit` only when the lease token still holds; otherwise the part is closed, not placed, and
 * this throws "lease-lost". Without a guard the commit runs as is. Returns the path used.
 * `synced` as for {@link commitPart}. @default guard undefined, synced false
 */
export async function commitPartGuarded(
  guard: ((rename: () => Promise<void>) => Promise<boolean>) | undefined,
  fh: FileHandle,
  partPath: string,
  placement: Placement,
  synced = false,
): Promise<string> {
  if (guard === undefined) return commitPart(fh, partPath, placement, synced);
  let started = false;
  let placed = placement.destination;
  try {
    const ok = await guard(async () => {
      started = true;
      placed = await commitPart(fh, partPath, placement, synced);
    });
    if (!ok)
      throw new DownloadError(
        "lease-lost",
        "another worker took this job over before the rename; the part was not put in place",
      );
    return placed;
  } finally {
    if (!started) await fh.close().catch(() => undefined);
  }
}
