/** Messages between a hash pool (hash-pool.ts) and its worker threads (hash-worker.ts), by structured clone. */
import type { FileVersion } from "../files/file-reader.js";
import type { FileHashes } from "./hash-file.js";

/** A task. */
export type HashTask =
  /** Leaves of a piece held in memory (`buffer` is transferred, and transferred back). */
  | { readonly kind: "leaves"; readonly id: number; readonly buffer: ArrayBuffer; readonly length: number }
  /** Leaves of the bytes at [offset, offset + length) of a file, read by the worker. */
  | {
      readonly kind: "file-leaves";
      readonly id: number;
      readonly path: string;
      readonly offset: number;
      readonly length: number;
    }
  /** SHA-256 of the first `length` bytes of a file. */
  | { readonly kind: "sha256-file"; readonly id: number; readonly path: string; readonly length: number }
  /** Whole-file SHA-256 and BEP 52 tree of one file version, proven unchanged after every read. */
  | {
      readonly kind: "file-hashes";
      readonly id: number;
      readonly entry: FileVersion;
      /** Bytes read per step. */
      readonly chunkSize: number;
      /** SHA-256 only, no tree (bench baseline). */
      readonly sha256Only: boolean;
    };

/** A reply. */
export interface HashReply {
  readonly id: number;
  /** Concatenated 32-byte leaf hashes (leaves, file-leaves). */
  readonly leaves?: ArrayBuffer;
  /** The piece's buffer, transferred back (leaves). */
  readonly buffer?: ArrayBuffer;
  /** Bytes the worker could read (file-leaves). */
  readonly bytesRead?: number;
  /** Hex SHA-256 (sha256-file). */
  readonly hex?: string;
  /** The file's hashes (file-hashes). */
  readonly hashes?: FileHashes;
  /** Why the task failed. */
  readonly error?: string;
  /** The task failed because the file is no longer the version asked for (FileChangedError). */
  readonly changed?: boolean;
}
