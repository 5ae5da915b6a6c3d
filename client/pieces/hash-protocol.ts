/** Messages between the main thread and a hashing worker (client/pieces/hash-worker.js). */

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
  | { readonly kind: "sha256-file"; readonly id: number; readonly path: string; readonly length: number };

/** A reply. */
export interface HashReply {
  readonly id: number;
  /** Concatenated 32-byte leaf hashes. */
  readonly leaves?: ArrayBuffer;
  /** The piece's buffer, transferred back. */
  readonly buffer?: ArrayBuffer;
  /** Bytes the worker could read (file-leaves). */
  readonly bytesRead?: number;
  readonly hex?: string;
  readonly error?: string;
}
