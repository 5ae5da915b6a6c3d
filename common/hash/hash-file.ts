/**
 * One read pass over a file version: its whole-file SHA-256 and its BEP 52
 * pieces root and piece layer (docs/pieces.md), from the same chunks. Runs in
 * a hash worker (hash-worker.ts), off the event loop: the server's background pass.
 */
import { createHash } from "node:crypto";
import { openEntry, readChunks, type FileVersion } from "../files/file-reader.js";
import { createTreeBuilder } from "../pieces/tree-builder.js";
import { pieceLengthFor } from "../pieces/tree.js";
import { layerToHex, toHex } from "../pieces/hex.js";
import { sha256 } from "./sha256.js";

/** What one pass computes for one version of a file. */
export interface FileHashes {
  /** Lower-case hex SHA-256 of the whole file. */
  readonly sha256: string;
  /** Lower-case hex pieces root; "" for an empty file. */
  readonly piecesRoot: string;
  /** The piece length chosen by pieceLengthFor(size). */
  readonly pieceLength: number;
  /** The piece layer as lower-case hex of concatenated 32-byte nodes; "" when the file has at most one piece. */
  readonly layer: string;
}

/** Options of {@link hashFile}. */
export interface HashFileOptions {
  /** Bytes read per step. @default 1 MiB */
  readonly chunkSize?: number;
  /** Stops the pass between reads. */
  readonly signal?: AbortSignal;
  /** Skip the BEP 52 tree (SHA-256 alone; the bench's baseline). @default false */
  readonly sha256Only?: boolean;
}

/**
 * Reads `entry` once (proving after each read that it is still the version
 * described, or throwing FileChangedError) and returns its hashes.
 */
export async function hashFile(entry: FileVersion, options: HashFileOptions = {}): Promise<FileHashes> {
  const chunkSize = options.chunkSize ?? 1024 * 1024;
  const pieceLength = pieceLengthFor(entry.size);
  const whole = createHash("sha256");
  const tree = options.sha256Only ? undefined : createTreeBuilder({ size: entry.size, pieceLength, hash: sha256 });
  const file = await openEntry(entry);
  try {
    // One reused buffer: each chunk is fully consumed before the next read.
    const buffer = Buffer.allocUnsafe(chunkSize);
    const signal = options.signal ? { signal: options.signal } : {};
    const chunks = readChunks(file, { start: 0, end: entry.size, chunkSize, buffer, ...signal });
    for await (const chunk of chunks) {
      whole.update(chunk);
      tree?.update(chunk);
    }
  } finally {
    await file.close();
  }
  const built = tree?.finish();
  return {
    sha256: whole.digest("hex"),
    piecesRoot: built ? toHex(built.root) : "",
    pieceLength: built ? pieceLength : 0,
    layer: built ? layerToHex(built.layer) : "",
  };
}
