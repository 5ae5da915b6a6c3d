/**
 * The data loop of the ReadFile fast path: each message is one buffer holding
 * envelope + field header (common/wire/read-file-encode.ts), the file bytes read in place behind it,
 * and on the first message the item field after the data.
 */
import { readChunks, type OpenFile } from "../../../common/files/file-reader.js";
import { MAX_CHUNK_HEADER, writeChunkHeader } from "../../../common/wire/read-file-encode.js";
import type { ReadBufferPool } from "../../limits/read-buffer-pool.js";

/** The part of Node's HTTP/1.1 and HTTP/2-compat response the fast path writes. */
export interface FastResponse {
  writeHead(status: number, headers: Record<string, string>): unknown;
  write(chunk: Uint8Array, cb?: (err?: Error | null) => void): boolean;
  end(cb?: () => void): unknown;
  addTrailers(headers: Record<string, string>): void;
  once(event: "drain" | "close", listener: () => void): unknown;
  removeListener(event: "drain" | "close", listener: () => void): unknown;
  readonly destroyed?: boolean | undefined;
  readonly writableEnded?: boolean | undefined;
}

/** Which bytes {@link streamChunks} sends, and its observers. */
export interface StreamPlan {
  /** First byte. */
  readonly start: number;
  /** One past the last byte. */
  readonly end: number;
  /** Data bytes per message (the last may be shorter). */
  readonly chunkSize: number;
  /** The first message's `item` field, written after its data. */
  readonly tail: Buffer;
  /** After each chunk is read (and proven unchanged). */
  onChunk(offset: number, bytes: number): void;
  /** After each chunk is handed to the socket. */
  onSent(bytes: number): void;
  /** Where the stream's two buffers come from and go back to (server/limits/read-buffer-pool.ts). */
  readonly buffers: ReadBufferPool;
}

/**
 * Pull-based loop over two buffers per stream: a chunk is read only after the
 * previous write drained, and a buffer is refilled only after the write that
 * used it called back (the socket no longer needs its bytes). So a stream
 * holds at most two messages, however slowly its client reads. The buffers
 * go back to the pool once their last write called back, whatever ended the
 * stream; one whose write never calls back is left to the garbage collector.
 */
export async function streamChunks(
  res: FastResponse,
  file: OpenFile,
  signal: AbortSignal,
  plan: StreamPlan,
): Promise<void> {
  const capacity = MAX_CHUNK_HEADER + Math.min(plan.chunkSize, plan.end - plan.start) + plan.tail.length;
  const buffers: Array<Buffer | undefined> = [undefined, undefined];
  // Resolves when the socket called back for the slot's last write (never on abort).
  const inFlight: Array<Promise<void> | undefined> = [undefined, undefined];
  try {
    let pos = plan.start;
    let turn = 0;
    let first = true;
    while (pos < plan.end) {
      signal.throwIfAborted();
      const slot = turn % 2;
      turn++;
      const pending = inFlight[slot];
      if (pending !== undefined) await untilAborted(pending, signal);
      let buf = buffers[slot];
      if (buf === undefined) {
        buf = plan.buffers.acquire(capacity);
        buffers[slot] = buf;
      }
      const want = Math.min(plan.chunkSize, plan.end - pos);
      const tailLength = first ? plan.tail.length : 0;
      const hdr = writeChunkHeader(buf, pos, want, tailLength);
      // readChunks does the read and proves the file unchanged afterwards (never two versions in one stream).
      for await (const data of readChunks(file, {
        start: pos,
        end: pos + want,
        chunkSize: want,
        signal,
        buffer: buf.subarray(hdr, hdr + want),
      })) {
        if (data.buffer !== buf.buffer || data.byteOffset !== buf.byteOffset + hdr) buf.set(data, hdr);
      }
      plan.onChunk(pos, want);
      if (first) plan.tail.copy(buf, hdr + want);
      first = false;
      signal.throwIfAborted();
      let ok = true;
      const message = buf.subarray(0, hdr + want + tailLength);
      inFlight[slot] = new Promise<void>((resolve) => {
        ok = res.write(message, () => resolve());
      });
      plan.onSent(want);
      pos += want;
      if (!ok) await untilAborted(drained(res), signal);
    }
    // Let the last writes flush before the end frame (keeps buffers alive until then).
    await untilAborted(Promise.all(inFlight), signal);
  } finally {
    for (let slot = 0; slot < 2; slot++) {
      const buf = buffers[slot];
      if (buf === undefined) continue;
      plan.buffers.releaseAfter(buf, inFlight[slot]);
    }
  }
}

function drained(res: FastResponse): Promise<void> {
  return new Promise((resolve) => {
    const done = (): void => {
      res.removeListener("drain", done);
      res.removeListener("close", done);
      resolve();
    };
    res.once("drain", done);
    res.once("close", done);
  });
}

/** Waits for `p`, or throws the signal's reason as soon as it aborts. */
function untilAborted(p: Promise<unknown>, signal: AbortSignal): Promise<void> {
  signal.throwIfAborted();
  return new Promise((resolve, reject) => {
    const onAbort = (): void => reject(signal.reason);
    signal.addEventListener("abort", onAbort, { once: true });
    p.then(
      () => {
        signal.removeEventListener("abort", onAbort);
        resolve();
      },
      (err: unknown) => {
        signal.removeEventListener("abort", onAbort);
        reject(err);
      },
    );
  });
}
