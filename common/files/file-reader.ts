/**
 * Reads one catalog entry from disk, chunk by chunk, proving at every step
 * that the bytes still belong to the version the entry describes.
 *
 * Pull-based on purpose: a chunk is read only when the consumer asks for the
 * next one, so a client that stops draining holds at most one chunk (see
 * docs/connect-notes.md, "Server", on backpressure: read-ahead streams grew by
 * 150 MiB with 32 stalled clients).
 */
import { open, stat, type FileHandle } from "node:fs/promises";
import type { BigIntStats } from "node:fs";

/**
 * The version of a file a reader must see: the server's catalog entries (server/catalog/catalog.ts)
 * carry these fields; a file whose fstat differs is another version.
 */
export interface FileVersion {
  /** Absolute path on disk. */
  readonly path: string;
  /** Size in bytes. */
  readonly size: number;
  /** Last modification time in ns, as stat'ed with `bigint: true`. */
  readonly mtimeNs: bigint;
  /** Device id. */
  readonly dev: bigint;
  /** Inode number. */
  readonly ino: bigint;
}

/** The file on disk is no longer the version described by its entry (changed, replaced or removed). */
export class FileChangedError extends Error {
  constructor(message = "the file changed or was removed while being read", options?: ErrorOptions) {
    super(message, options);
    this.name = "FileChangedError";
  }
}

/** An entry opened read-only and proven to be the version the entry describes. */
export interface OpenFile<E extends FileVersion = FileVersion> {
  /** The entry this file was opened for. */
  readonly entry: E;
  /** Closes the descriptor; safe to call more than once. */
  close(): Promise<void>;
}

/** The descriptor behind each OpenFile; kept out of the public shape so only this module reads it. */
const handles = new WeakMap<OpenFile, FileHandle>();

function sameVersion(entry: FileVersion, st: BigIntStats): boolean {
  return (
    st.isFile() &&
    st.dev === entry.dev &&
    st.ino === entry.ino &&
    st.size === BigInt(entry.size) &&
    st.mtimeNs === entry.mtimeNs
  );
}

/**
 * Opens `entry.path` read-only and checks with fstat that it is still the
 * version described by entry (dev, ino, size, mtimeNs); throws
 * {@link FileChangedError} otherwise (including when the file is gone).
 */
export async function openEntry<E extends FileVersion>(entry: E): Promise<OpenFile<E>> {
  let handle: FileHandle;
  try {
    handle = await open(entry.path, "r");
  } catch (cause) {
    throw new FileChangedError("the file was removed or became unreadable", { cause });
  }
  try {
    const st = await handle.stat({ bigint: true });
    if (!sameVersion(entry, st)) throw new FileChangedError("the file changed since it was stat'ed");
  } catch (err) {
    await handle.close().catch(() => undefined);
    throw err instanceof FileChangedError ? err : new FileChangedError("cannot stat the opened file", { cause: err });
  }
  let closed: Promise<void> | undefined;
  const file: OpenFile<E> = {
    entry,
    close() {
      closed ??= handle.close().catch(() => undefined);
      return closed;
    },
  };
  handles.set(file, handle);
  return file;
}

/** Which bytes {@link readChunks} yields, and how. */
export interface ReadChunksOptions {
  /** Absolute offset of the first byte. */
  start: number;
  /** Offset one past the last byte (exclusive); at most the entry's size. */
  end: number;
  /** Bytes per chunk (the last chunk may be shorter). */
  chunkSize: number;
  /** Stops the read promptly; the generator then throws the signal's reason. */
  signal?: AbortSignal;
  /**
   * Reads every chunk into this caller-owned buffer (length ≥ chunkSize) and
   * yields views of it, valid only until the next pull. For consumers done
   * with a chunk by then (the HTTP route waits for its write callback): no
   * 2 MiB allocation per chunk. Fresh buffers when absent.
   */
  buffer?: Buffer;
}

/** Proves, after a read, that fd and path still designate the entry's version. */
async function assertUnchanged(file: OpenFile, handle: FileHandle): Promise<void> {
  let fdStat: BigIntStats;
  let pathStat: BigIntStats;
  try {
    [fdStat, pathStat] = await Promise.all([handle.stat({ bigint: true }), stat(file.entry.path, { bigint: true })]);
  } catch (cause) {
    throw new FileChangedError("the file was removed while being read", { cause });
  }
  if (!sameVersion(file.entry, fdStat)) throw new FileChangedError("the file was modified while being read");
  if (pathStat.dev !== fdStat.dev || pathStat.ino !== fdStat.ino) {
    throw new FileChangedError("the file was replaced while being read");
  }
}

/**
 * Pull-based: reads the next chunk only when the consumer asks (no read-ahead
 * beyond one chunk); each chunk is a fresh Buffer the consumer may keep; after
 * each read verifies the file is unchanged (fstat of the fd, and the path still
 * points at the same inode) before yielding, so bytes of two versions are never
 * yielded; throws {@link FileChangedError} on change/removal; stops promptly
 * when signal aborts (throwing the signal's reason). Does not close the file.
 */
export async function* readChunks(file: OpenFile, options: ReadChunksOptions): AsyncGenerator<Buffer, void, undefined> {
  const handle = handles.get(file);
  if (handle === undefined) throw new TypeError("readChunks needs a file opened with openEntry");
  const { start, end, chunkSize, signal } = options;
  if (!Number.isSafeInteger(start) || !Number.isSafeInteger(end) || start < 0 || end < start || end > file.entry.size) {
    throw new RangeError(`invalid byte range [${start}, ${end}) for a file of ${file.entry.size} bytes`);
  }
  if (!Number.isSafeInteger(chunkSize) || chunkSize <= 0) {
    throw new RangeError(`chunkSize must be a positive integer, got ${chunkSize}`);
  }
  let position = start;
  while (position < end) {
    signal?.throwIfAborted();
    const want = Math.min(chunkSize, end - position);
    const buffer =
      options.buffer !== undefined && options.buffer.length >= want
        ? options.buffer.subarray(0, want)
        : Buffer.allocUnsafe(want);
    let filled = 0;
    while (filled < want) {
      let bytesRead: number;
      try {
        ({ bytesRead } = await handle.read(buffer, filled, want - filled, position + filled));
      } catch (cause) {
        throw new FileChangedError("reading the file failed", { cause });
      }
      // A short read before `end` means the file shrank under us.
      if (bytesRead === 0) throw new FileChangedError("the file was truncated while being read");
      filled += bytesRead;
    }
    await assertUnchanged(file, handle);
    signal?.throwIfAborted();
    position += want;
    yield buffer;
  }
}
