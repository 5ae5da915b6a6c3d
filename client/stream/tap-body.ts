/**
 * Reads a byte range of a download through its tap (stream-tap.ts): only bytes of pieces
 * that passed their hash and are in the part file (or the whole verified file once it is in
 * place) are ever returned. The read is registered with the tap, so its position and
 * read-ahead window steer the download; a piece that does not come within `waitMs` ends
 * the read with {@link StreamStalled} (the response is cut, never padded).
 */
import { open, type FileHandle } from "node:fs/promises";
import type { StreamTap } from "./stream-tap.js";

/** Nothing readable arrived within the wait, or the download stopped. */
export class StreamStalled extends Error {}

/** Options of {@link readVerified}. */
export interface TapBodyOptions {
  /** Longest wait for one piece, in ms. @default 30000 */
  readonly waitMs?: number;
  /** Read-ahead window after the reader's position, in bytes. @default 16 MiB */
  readonly readAhead?: number;
  /** Largest chunk returned, in bytes. @default 1 MiB */
  readonly chunkBytes?: number;
  readonly signal: AbortSignal;
}

/** Default read-ahead window: a few seconds of a film at any common bit rate, and short of a source's range. */
export const DEFAULT_READ_AHEAD = 16 * 1024 * 1024;

/** Default longest wait for one piece (a slow start of the download should not end a player's read). */
export const DEFAULT_WAIT_MS = 30_000;

/**
 * Yields [first, last] (inclusive) in order. Each yielded buffer is fresh (the caller may
 * keep it). Throws StreamStalled on a timeout or when the download stops.
 */
export async function* readVerified(
  tap: StreamTap,
  first: number,
  last: number,
  o: TapBodyOptions,
): AsyncGenerator<Buffer> {
  const end = last + 1;
  const read = tap.open(first, end, o.readAhead ?? DEFAULT_READ_AHEAD);
  const files = new OpenFiles(tap);
  try {
    let pos = first;
    while (pos < end && !o.signal.aborted) {
      const ready = await waitReadable(tap, read, pos, end, o);
      if (o.signal.aborted) return;
      const n = Math.min(ready - pos, o.chunkBytes ?? 1024 * 1024);
      const chunk = await files.read(pos, n);
      yield chunk;
      pos += n;
      tap.advance(read, pos);
    }
  } finally {
    tap.close(read);
    await files.close();
  }
}

/** Waits until the byte at `pos` is readable; returns the end of the readable run (≤ `end`). */
async function waitReadable(
  tap: StreamTap,
  read: { waiting: boolean },
  pos: number,
  end: number,
  o: TapBodyOptions,
): Promise<number> {
  const deadline = Date.now() + (o.waitMs ?? DEFAULT_WAIT_MS);
  for (;;) {
    const state = tap.current;
    if (state.kind === "stopped") throw new StreamStalled(state.reason);
    const ready = tap.readyFrom(pos, end);
    if (ready > pos) {
      read.waiting = false;
      return ready;
    }
    const left = deadline - Date.now();
    if (left <= 0 || o.signal.aborted) {
      read.waiting = false;
      if (o.signal.aborted) return pos;
      throw new StreamStalled(`byte ${pos} was not downloaded and verified within ${o.waitMs ?? DEFAULT_WAIT_MS} ms`);
    }
    read.waiting = true;
    await tap.next(left, o.signal);
  }
}

/** The file a read takes bytes from: the part while it downloads, the destination once in place. */
class OpenFiles {
  private fh: FileHandle | undefined;

  constructor(private readonly tap: StreamTap) {}

  /** Exactly `length` bytes at `position`; a short read is an error (the part was cut under us). */
  async read(position: number, length: number): Promise<Buffer> {
    const fh = await this.handle();
    const buf = Buffer.allocUnsafe(length);
    let got = 0;
    while (got < length) {
      const { bytesRead } = await fh.read(buf, got, length - got, position + got);
      if (bytesRead === 0) throw new StreamStalled(`the file ended at byte ${position + got} while it was read`);
      got += bytesRead;
    }
    return buf;
  }

  private async handle(): Promise<FileHandle> {
    if (this.fh !== undefined) return this.fh;
    const { file } = this.tap;
    const state = this.tap.current;
    // An open part stays valid when it is renamed into place (the same inode); a part renamed
    // before we opened it is found under its final name.
    const paths = state.kind === "complete" ? [state.destination] : [file.partPath, file.destination];
    let last: unknown;
    for (const p of paths) {
      try {
        this.fh = await open(p, "r");
        return this.fh;
      } catch (err) {
        last = err;
        if ((err as { code?: unknown }).code !== "ENOENT") throw err;
      }
    }
    throw last;
  }

  async close(): Promise<void> {
    await this.fh?.close().catch(() => undefined);
    this.fh = undefined;
  }
}
