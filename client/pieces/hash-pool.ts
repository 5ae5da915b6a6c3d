/**
 * A small pool of hashing worker threads (docs/pieces.md "Client engine"): piece nodes
 * (16 KiB SHA-256 leaves up to the piece's node) and whole-file SHA-256 run off the main
 * event loop. One piece per task; a piece's ArrayBuffer is transferred to the worker and
 * back, never copied. Idle workers do not keep the process alive.
 */
import * as crypto from "node:crypto";
import os from "node:os";
import { Worker } from "node:worker_threads";
import type { HashFn } from "../../common/pieces/tree.js";
import type { HashReply, HashTask } from "./hash-protocol.js";
import { handOverPieceBuffer } from "./piece-buffers.js";
import { nodeFromLeaves, splitLeaves } from "./piece-node.js";

/**
 * SHA-256 on the main thread: only for the few nodes above the leaves (64-byte inputs, where
 * the one-shot `crypto.hash` of Node >= 20.12 costs half of a Hash object).
 */
export const sha256: HashFn =
  typeof crypto.hash === "function"
    ? (data) => {
        const d = crypto.hash("sha256", data, "buffer");
        return new Uint8Array(d.buffer, d.byteOffset, d.byteLength);
      }
    : (data) => {
        const d = crypto.createHash("sha256").update(data).digest();
        return new Uint8Array(d.buffer, d.byteOffset, d.byteLength);
      };

/** The pool. */
export interface HashPool {
  /**
   * The node of a piece in memory: its piece-layer node, or the root when the file is one
   * piece (`whole`). `piece` must own its ArrayBuffer (it is detached while hashing); the
   * same bytes come back as `piece` in the result.
   */
  pieceNode(piece: Uint8Array, pieceLength: number, whole: boolean): Promise<{ node: Uint8Array; piece: Uint8Array }>;
  /** The node of the piece at [offset, offset + length) of a file (empty when the file is shorter). */
  filePieceNode(path: string, offset: number, length: number, pieceLength: number, whole: boolean): Promise<Uint8Array>;
  /** Hex SHA-256 of the first `length` bytes of a file. */
  sha256File(path: string, length: number): Promise<string>;
  /** Starts the workers now (their start-up then overlaps the network calls that come first). */
  warm(): void;
  /** Stops the workers. */
  close(): Promise<void>;
}

/** Workers of the shared pool: one fewer than the cores, at least 1, at most 4. */
export const DEFAULT_HASH_THREADS = Math.max(1, Math.min(4, os.availableParallelism() - 1));

interface Slot {
  readonly worker: Worker;
  outstanding: number;
  /** Tasks of pieces from the network in flight on this worker. */
  foreground: number;
}

/** Background tasks in flight on a worker that has no foreground work (keeps its reads pipelined). */
const BACKGROUND_DEPTH = 2;

/**
 * Creates a pool of `threads` workers (started on first use). Pieces from the network go to
 * the least busy worker at once; reads of pieces from disk (background re-checks) go only to
 * an idle worker, so they never delay the next piece to write.
 */
export function createHashPool(threads: number = DEFAULT_HASH_THREADS): HashPool {
  const slots: Slot[] = [];
  const background: Array<{ task: HashTask; resolve: (r: HashReply) => void; reject: (e: Error) => void }> = [];
  const pending = new Map<
    number,
    { resolve: (r: HashReply) => void; reject: (e: Error) => void; slot: Slot; fg: boolean }
  >();
  let nextId = 1;
  let closed = false;

  function start(): Slot {
    // Plain JavaScript, no loader: `execArgv: []` keeps tsx (of `node --import tsx`) out of it.
    const worker = new Worker(new URL("./hash-worker.js", import.meta.url), { execArgv: [] });
    const slot: Slot = { worker, outstanding: 0, foreground: 0 };
    worker.unref();
    worker.on("message", (reply: HashReply) => {
      const p = pending.get(reply.id);
      if (p === undefined) return;
      pending.delete(reply.id);
      if (p.fg) slot.foreground--;
      if (--slot.outstanding === 0) worker.unref();
      if (reply.error !== undefined) p.reject(new Error(reply.error));
      else p.resolve(reply);
      pump();
    });
    const fail = (e: Error) => {
      for (const [id, p] of pending) {
        if (p.slot !== slot) continue;
        pending.delete(id);
        p.reject(e);
      }
      slots.splice(slots.indexOf(slot), 1);
    };
    worker.on("error", fail);
    worker.on("exit", (code) => fail(new Error(`a hashing worker exited (code ${code})`)));
    slots.push(slot);
    return slot;
  }

  function leastBusy(): Slot {
    const slot = slots.reduce<Slot | undefined>(
      (best, s) => (best === undefined || s.outstanding < best.outstanding ? s : best),
      undefined,
    );
    return slot === undefined || (slot.outstanding > 0 && slots.length < threads) ? start() : slot;
  }

  function post(
    slot: Slot,
    task: HashTask,
    transfer: ArrayBuffer[],
    resolve: (r: HashReply) => void,
    reject: (e: Error) => void,
  ): void {
    const fg = transfer.length > 0 || task.kind === "leaves";
    pending.set(task.id, { resolve, reject, slot, fg });
    if (fg) slot.foreground++;
    if (slot.outstanding++ === 0) slot.worker.ref();
    slot.worker.postMessage(task, transfer);
  }

  /** Hands queued background tasks to idle workers. */
  function pump(): void {
    while (background.length > 0 && !closed) {
      const idle =
        slots.find((s) => s.foreground === 0 && s.outstanding < BACKGROUND_DEPTH) ??
        (slots.length < threads ? start() : undefined);
      if (idle === undefined) return;
      const next = background.shift();
      if (next !== undefined) post(idle, next.task, [], next.resolve, next.reject);
    }
  }

  function send(task: HashTask, transfer: ArrayBuffer[], inBackground = false): Promise<HashReply> {
    if (closed) return Promise.reject(new Error("the hash pool is closed"));
    return new Promise<HashReply>((resolve, reject) => {
      if (!inBackground) {
        post(leastBusy(), task, transfer, resolve, reject);
        return;
      }
      background.push({ task, resolve, reject });
      pump();
    });
  }

  return {
    async pieceNode(piece, pieceLength, whole) {
      if (piece.byteOffset !== 0 || piece.byteLength !== piece.buffer.byteLength) {
        throw new TypeError("pieceNode needs a piece that owns its ArrayBuffer (it is transferred)");
      }
      const buffer = piece.buffer as ArrayBuffer;
      const reply = await send({ kind: "leaves", id: nextId++, buffer, length: piece.length }, [buffer]);
      if (reply.leaves === undefined || reply.buffer === undefined) throw new Error("a hashing worker sent no leaves");
      handOverPieceBuffer(buffer, reply.buffer);
      return {
        node: nodeFromLeaves(splitLeaves(reply.leaves), pieceLength, whole, sha256),
        piece: new Uint8Array(reply.buffer),
      };
    },
    async filePieceNode(path, offset, length, pieceLength, whole) {
      const reply = await send({ kind: "file-leaves", id: nextId++, path, offset, length }, [], true);
      if (reply.leaves === undefined || reply.bytesRead !== length) return new Uint8Array(0);
      return nodeFromLeaves(splitLeaves(reply.leaves), pieceLength, whole, sha256);
    },
    async sha256File(path, length) {
      const reply = await send({ kind: "sha256-file", id: nextId++, path, length }, []);
      if (reply.hex === undefined) throw new Error("a hashing worker sent no digest");
      return reply.hex;
    },
    warm() {
      while (!closed && slots.length < threads) start();
    },
    async close() {
      closed = true;
      for (const b of background.splice(0)) b.reject(new Error("the hash pool is closed"));
      await Promise.all(slots.splice(0).map((s) => s.worker.terminate()));
    },
  };
}

let shared: HashPool | undefined;

/** The process's shared pool (created on first use; idle workers do not keep the process alive). */
export function sharedHashPool(): HashPool {
  shared ??= createHashPool();
  return shared;
}
