/**
 * The write-behind state of a transfer: received bytes go to the part file while the
 * next chunk is read from the network (docs/downloads.md "One attempt", step 4).
 *
 * Invariants (asserted by test/client/transfer/write-behind.test.ts):
 * 1. At most one write is in flight.
 * 2. Bytes reach the file in the order they were pushed, each at the offset it was pushed for.
 * 3. `written` only grows within a run of contiguous pushes, and is the end of the last
 *    write that succeeded: every byte in [runStart, written) was accepted by the filesystem.
 * 4. After a write fails (`broken`), nothing more is written: later bytes would land at a
 *    wrong offset or hide the failure.
 * 5. Pushed bytes are gathered (up to `writeBytes`) only while a write is in flight and only
 *    when contiguous with what is gathered; an idle disk gets each push at once.
 */
import type { FileHandle } from "node:fs/promises";
import { releasePieceBuffer } from "../pieces/piece-buffers.js";
import type { TransferFs } from "./part-file.js";

/** Options of {@link createWriteBehind}. */
export interface WriteBehindOptions {
  readonly fs: TransferFs;
  readonly fh: FileHandle;
  /** Offset of the first byte that will be pushed. */
  readonly start: number;
  /** Called after each successful write with the write's end offset and length. */
  readonly onWritten?: ((end: number, length: number) => void) | undefined;
}

/** The write-behind state. */
export interface WriteBehind {
  /** End of the last successful write (the contiguous run's durable-to-be frontier). */
  readonly written: number;
  /** Offset right after the last pushed byte. */
  readonly pushed: number;
  /** True from the start of a write until it ends. */
  readonly writing: boolean;
  /** True once a write failed: nothing more will be written. */
  readonly broken: boolean;
  /**
   * Queues `data` for `offset`. When `offset` is not where the last push ended, what is
   * gathered is written first (a new run starts there). Awaits only when a write has to start.
   */
  push(offset: number, data: Uint8Array): Promise<void>;
  /** Writes everything pushed and waits for it (throws the write's error). */
  flush(): Promise<void>;
  /** Waits for the write in flight, if any (throws its error). Gathered bytes stay gathered. */
  settle(): Promise<void>;
  /** The write in flight, if any (for racing the network against the disk; may reject). */
  readonly inFlight: Promise<void> | undefined;
}

/** Creates the write-behind state for one attempt. */
export function createWriteBehind(o: WriteBehindOptions): WriteBehind {
  const writeBytes = Math.max(0, o.fs.writeBytes ?? 0);
  let written = o.start;
  let pushed = o.start;
  /** Offset of the first gathered byte. */
  let gatheredAt = o.start;
  let gathered: Uint8Array[] = [];
  let gatheredBytes = 0;
  let inFlight: Promise<void> | undefined;
  let writing = false;
  let broken = false;

  async function settle(): Promise<void> {
    const w = inFlight;
    inFlight = undefined;
    await w;
  }

  /** Starts writing the gathered bytes once the previous write is done (invariant 1). */
  async function startWrite(): Promise<void> {
    await settle();
    if (broken) throw new Error("a previous write to the part file failed");
    if (gatheredBytes === 0) return;
    const parts = gathered;
    const length = gatheredBytes;
    const at = gatheredAt;
    gathered = [];
    gatheredBytes = 0;
    gatheredAt = at + length;
    writing = true;
    const w = writeParts(parts, at).then(
      () => {
        writing = false;
        written = at + length;
        // The file holds these bytes now: pooled piece buffers go back (piece-buffers.ts).
        for (const part of parts) releasePieceBuffer(part);
        o.onWritten?.(written, length);
      },
      (e: unknown) => {
        writing = false;
        broken = true;
        throw e;
      },
    );
    w.catch(() => undefined); // observed by settle(); never an unhandled rejection meanwhile
    inFlight = w;
  }

  /** One write of the parts: gathered in the kernel (writev) when the layer can, else joined here. */
  function writeParts(parts: Uint8Array[], at: number): Promise<void> {
    if (parts.length === 1) return o.fs.write(o.fh, parts[0] as Uint8Array, at);
    if (o.fs.writev !== undefined) return o.fs.writev(o.fh, parts, at);
    return o.fs.write(o.fh, Buffer.concat(parts), at);
  }

  return {
    get written() {
      return written;
    },
    get pushed() {
      return pushed;
    },
    get writing() {
      return writing;
    },
    get broken() {
      return broken;
    },
    get inFlight() {
      return inFlight;
    },
    async push(offset, data) {
      if (broken) {
        await settle(); // the failed write's own error first, if nobody has seen it yet
        throw new Error("a previous write to the part file failed");
      }
      if (data.length === 0) return;
      if (offset !== pushed) {
        // A new run: the old one is written out first, so `written` never mixes two runs.
        await startWrite();
        await settle();
        gatheredAt = offset;
        written = offset;
      }
      gathered.push(data);
      gatheredBytes += data.length;
      pushed = offset + data.length;
      if (!writing || gatheredBytes >= writeBytes) await startWrite();
    },
    async flush() {
      await startWrite();
      await settle();
    },
    settle,
  };
}
