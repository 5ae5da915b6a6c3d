/**
 * Builds a file's BEP 52 root and piece layer from its bytes fed in chunks of
 * any size, in one pass, keeping only the current piece's leaves (plus the
 * layer): 50 GiB at 16 MiB pieces holds 1,024 leaves and 3,200 nodes, never
 * the 3.3 million leaves of the whole file. Pure (hash injected); the server's
 * hash worker feeds it the same chunks as its whole-file SHA-256.
 */
import { BLOCK_SIZE, pieceHashFromLeaves, rootFromLeaves, rootFromPieceLayer, type HashFn } from "./tree.js";

/** What {@link TreeBuilder.finish} returns. */
export interface BuiltTree {
  /** The pieces root; empty for an empty file. */
  readonly root: Uint8Array;
  /** The piece layer at the builder's piece length; [] when the file has at most one piece. */
  readonly layer: Uint8Array[];
}

/** A streaming tree builder for one file. */
export interface TreeBuilder {
  /** Feeds the next bytes of the file (any length; the builder does not keep `chunk`). */
  update(chunk: Uint8Array): void;
  /** Ends the file; throws when the bytes fed differ from the size given. */
  finish(): BuiltTree;
}

/** Creates a {@link TreeBuilder} for a file of exactly `size` bytes at `pieceLength`. */
export function createTreeBuilder(options: { size: number; pieceLength: number; hash: HashFn }): TreeBuilder {
  const { size, pieceLength, hash } = options;
  const perPiece = pieceLength / BLOCK_SIZE;
  if (!Number.isInteger(perPiece) || perPiece < 1) {
    throw new RangeError(`piece length must be a multiple of ${BLOCK_SIZE}`);
  }
  const partial = new Uint8Array(BLOCK_SIZE);
  let partialLength = 0;
  let fed = 0;
  let leaves: Uint8Array[] = [];
  const layer: Uint8Array[] = [];

  function addLeaf(leaf: Uint8Array): void {
    leaves.push(leaf);
    if (leaves.length === perPiece && size > pieceLength) {
      layer.push(pieceHashFromLeaves(leaves, pieceLength, hash));
      leaves = [];
    }
  }

  return {
    update(chunk) {
      if (fed + chunk.length > size) throw new RangeError(`more than the ${size} bytes announced were fed`);
      fed += chunk.length;
      let offset = 0;
      if (partialLength > 0) {
        const take = Math.min(BLOCK_SIZE - partialLength, chunk.length);
        partial.set(chunk.subarray(0, take), partialLength);
        partialLength += take;
        offset = take;
        if (partialLength < BLOCK_SIZE) return;
        addLeaf(hash(partial));
        partialLength = 0;
      }
      // Whole blocks straight from the chunk, no copy.
      for (; offset + BLOCK_SIZE <= chunk.length; offset += BLOCK_SIZE) {
        addLeaf(hash(chunk.subarray(offset, offset + BLOCK_SIZE)));
      }
      if (offset < chunk.length) {
        partial.set(chunk.subarray(offset), 0);
        partialLength = chunk.length - offset;
      }
    },
    finish() {
      if (fed !== size) throw new RangeError(`${fed} bytes were fed for a file of ${size} bytes`);
      if (partialLength > 0) addLeaf(hash(partial.subarray(0, partialLength)));
      partialLength = 0;
      if (size <= pieceLength) return { root: rootFromLeaves(leaves, hash), layer: [] };
      if (leaves.length > 0) layer.push(pieceHashFromLeaves(leaves, pieceLength, hash));
      leaves = [];
      return { root: rootFromPieceLayer(layer, pieceLength, hash), layer: layer.slice() };
    },
  };
}
