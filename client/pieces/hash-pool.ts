/**
 * The client's view of the hash pool (common/hash/hash-pool.ts; docs/pieces.md "Client
 * engine"): piece nodes from the 16 KiB leaves the workers compute, for pieces in memory (their
 * ArrayBuffer transferred to a worker and back, never copied) and pieces re-read from a part
 * file. One pool per process, shared by every download.
 */
import { createHashPool as createCommonPool, DEFAULT_HASH_THREADS } from "../../common/hash/hash-pool.js";
import { handOverPieceBuffer } from "./piece-buffers.js";
import { nodeFromLeaves, splitLeaves } from "./piece-node.js";
import { sha256 } from "../../common/hash/sha256.js";

export { DEFAULT_HASH_THREADS, sha256 };

/** The pool, as the piece engine uses it. */
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

/** Creates a pool of `threads` workers (started on first use). @default DEFAULT_HASH_THREADS */
export function createHashPool(threads: number = DEFAULT_HASH_THREADS): HashPool {
  const pool = createCommonPool({ threads });
  return {
    async pieceNode(piece, pieceLength, whole) {
      if (piece.byteOffset !== 0 || piece.byteLength !== piece.buffer.byteLength) {
        throw new TypeError("pieceNode needs a piece that owns its ArrayBuffer (it is transferred)");
      }
      const sent = piece.buffer as ArrayBuffer;
      const { leaves, buffer } = await pool.leaves(sent, piece.length);
      handOverPieceBuffer(sent, buffer);
      return {
        node: nodeFromLeaves(splitLeaves(leaves.buffer as ArrayBuffer), pieceLength, whole, sha256),
        piece: new Uint8Array(buffer),
      };
    },
    async filePieceNode(path, offset, length, pieceLength, whole) {
      const { leaves, bytesRead } = await pool.fileLeaves(path, offset, length);
      if (bytesRead !== length) return new Uint8Array(0);
      return nodeFromLeaves(splitLeaves(leaves.buffer as ArrayBuffer), pieceLength, whole, sha256);
    },
    sha256File: (path, length) => pool.sha256File(path, length),
    warm: () => pool.warm(),
    close: () => pool.close(),
  };
}

let shared: HashPool | undefined;

/** The process's shared pool (created on first use; idle workers do not keep the process alive). */
export function sharedHashPool(): HashPool {
  shared ??= createHashPool();
  return shared;
}
