/**
 * The client's view of the hash pool (common/hash/hash-pool.ts; docs/pieces.md "Client
 * engine"): piece nodes from the 16 KiB leaves, for pieces in memory and pieces re-read from a
 * part file. Pieces in memory are hashed on the calling thread when the machine has no core to
 * spare for a worker ({@link hashPiecesInline}), else in a worker (their ArrayBuffer transferred
 * there and back, never copied); re-reads always go to a worker. One pool per process, shared by
 * every download.
 */
import os from "node:os";
import { createHashPool as createCommonPool, DEFAULT_HASH_THREADS } from "../../common/hash/hash-pool.js";
import { handOverPieceBuffer } from "./piece-buffers.js";
import { nodeFromLeaves, splitLeaves } from "./piece-node.js";
import { leavesOf, sha256 } from "../../common/hash/sha256.js";

export { DEFAULT_HASH_THREADS, sha256 };

/** The pool, as the piece engine uses it. */
export interface HashPool {
  /** True when pieces in memory are hashed on the calling thread: `pieceNode` has settled when it returns. */
  readonly inline: boolean;
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
  /** Starts the workers now when pieces go to them (their start-up then overlaps the network calls that come first). */
  warm(): void;
  /** Stops the workers. */
  close(): Promise<void>;
}

/**
 * Whether pieces in memory are hashed on the event loop's thread rather than in a worker: only
 * when the machine has at most 2 cores. There the second core is already busy with the kernel's
 * copies (socket, page cache) and, on a shared box, the serving peer, so a worker adds a
 * postMessage and a transfer per piece and a second V8 isolate (≈ 13 MiB) without adding a core
 * (docs/performance.md "Client CPU and memory").
 */
export function hashPiecesInline(cores: number): boolean {
  return cores <= 2;
}

/** Options of {@link createHashPool}. */
export interface ClientHashPoolOptions {
  /** Workers at most. @default DEFAULT_HASH_THREADS */
  readonly threads?: number;
  /** Hash pieces in memory on the calling thread. @default hashPiecesInline(os.availableParallelism()) */
  readonly inline?: boolean;
}

/** The node of a piece from its concatenated 32-byte leaves (piece-node.ts chooses which node). */
function nodeOf(leaves: Uint8Array, pieceLength: number, whole: boolean): Uint8Array {
  return nodeFromLeaves(splitLeaves(leaves.buffer as ArrayBuffer), pieceLength, whole, sha256);
}

/** Creates a pool (workers started on first use). */
export function createHashPool(options: ClientHashPoolOptions = {}): HashPool {
  const pool = createCommonPool({ threads: options.threads ?? DEFAULT_HASH_THREADS });
  const inline = options.inline ?? hashPiecesInline(os.availableParallelism());
  return {
    inline,
    async pieceNode(piece, pieceLength, whole) {
      if (inline) {
        const leaves = leavesOf(piece);
        return { node: nodeOf(leaves, pieceLength, whole), piece };
      }
      if (piece.byteOffset !== 0 || piece.byteLength !== piece.buffer.byteLength) {
        throw new TypeError("pieceNode needs a piece that owns its ArrayBuffer (it is transferred)");
      }
      const sent = piece.buffer as ArrayBuffer;
      const { leaves, buffer } = await pool.leaves(sent, piece.length);
      handOverPieceBuffer(sent, buffer);
      return {
        node: nodeOf(leaves, pieceLength, whole),
        piece: new Uint8Array(buffer),
      };
    },
    async filePieceNode(path, offset, length, pieceLength, whole) {
      const { leaves, bytesRead } = await pool.fileLeaves(path, offset, length);
      if (bytesRead !== length) return new Uint8Array(0);
      return nodeOf(leaves, pieceLength, whole);
    },
    sha256File: (path, length) => pool.sha256File(path, length),
    warm: () => {
      if (!inline) pool.warm(); // an inline pool needs a worker only for re-reads: started then
    },
    close: () => pool.close(),
  };
}

let shared: HashPool | undefined;

/** The process's shared pool (created on first use; idle workers do not keep the process alive). */
export function sharedHashPool(): HashPool {
  shared ??= createHashPool();
  return shared;
}
