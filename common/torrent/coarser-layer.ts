/**
 * A file's BEP 52 piece layer at a larger piece length, from its cached layer
 * (pure): each node of the coarser layer is the merkle root of 2^k nodes of
 * the finer one, missing nodes being the pad hash of the finer level (BEP 52
 * pads the leaf layer with zero leaves). The root does not change.
 */
import { BLOCK_SIZE, HASH_SIZE, hashPair, padHash, type HashFn } from "../pieces/tree.js";

/**
 * The layer (hex) at `pieceLength` of a `size`-byte file whose layer at
 * `fromLength` is `layer` (hex; "" when the file fits one piece). "" when the
 * file fits one piece of `pieceLength`. Throws a RangeError on inconsistent input.
 */
export function coarserLayer(
  layer: string,
  size: number,
  fromLength: number,
  pieceLength: number,
  hash: HashFn,
): string {
  if (pieceLength < fromLength || pieceLength % fromLength !== 0)
    throw new RangeError(`cannot derive a ${pieceLength}-byte layer from a ${fromLength}-byte one`);
  const pieces = Math.ceil(size / pieceLength);
  if (pieces <= 1) return "";
  if (pieceLength === fromLength) return layer;
  const fine = Buffer.from(layer, "hex");
  const fineCount = Math.ceil(size / fromLength);
  if (fine.length !== fineCount * HASH_SIZE) throw new RangeError("the cached layer does not match the file size");
  const pad = padHash(fromLength / BLOCK_SIZE, hash);
  const ratio = pieceLength / fromLength;
  const out: Buffer[] = [];
  for (let p = 0; p < pieces; p++) {
    let level: Uint8Array[] = [];
    for (let i = 0; i < ratio; i++) {
      const index = p * ratio + i;
      level.push(index < fineCount ? fine.subarray(index * HASH_SIZE, (index + 1) * HASH_SIZE) : pad);
    }
    while (level.length > 1) {
      const next: Uint8Array[] = [];
      for (let i = 0; i < level.length; i += 2)
        next.push(hashPair(level[i] as Uint8Array, level[i + 1] as Uint8Array, hash));
      level = next;
    }
    out.push(Buffer.from(level[0] as Uint8Array));
  }
  return Buffer.concat(out).toString("hex");
}
