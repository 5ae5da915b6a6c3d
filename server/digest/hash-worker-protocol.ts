/** Messages between the server and its hash worker threads (structured clone). */
import type { FileEntry } from "../catalog/catalog.js";
import type { FileHashes } from "./hash-file.js";

/** One file version to hash. */
export interface HashTask {
  /** Matches the answer to the task. */
  readonly id: number;
  /** The version to hash (its dev/ino/size/mtime are checked on every read). */
  readonly entry: FileEntry;
  /** Bytes read per step. */
  readonly chunkSize: number;
  /** SHA-256 only, no tree (bench baseline). */
  readonly sha256Only: boolean;
}

/** The answer to one {@link HashTask}. */
export type HashTaskResult =
  | { readonly id: number; readonly ok: true; readonly hashes: FileHashes }
  | {
      readonly id: number;
      readonly ok: false;
      /** The file changed or vanished. */
      readonly changed: boolean;
      readonly message: string;
    };
