import { test } from "node:test";
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { createTreeBuilder } from "../../../common/pieces/tree-builder.js";
import { leafHashes, pieceLayer, rootFromLeaves } from "../../../common/pieces/tree.js";
import { toHex } from "../../../common/pieces/hex.js";
import { seededRandom } from "../../../client/retry/backoff.js";

const sha = (data: Uint8Array): Uint8Array => new Uint8Array(createHash("sha256").update(data).digest());
const KiB = 1024;

test("tree builder: hostile inputs first (too many, too few bytes, bad piece length)", () => {
  assert.throws(() => createTreeBuilder({ size: 10, pieceLength: 1000, hash: sha }), /multiple of 16384/);
  const over = createTreeBuilder({ size: 10, pieceLength: 16 * KiB, hash: sha });
  assert.throws(() => over.update(new Uint8Array(11)), /more than the 10 bytes/);
  const under = createTreeBuilder({ size: 10, pieceLength: 16 * KiB, hash: sha });
  under.update(new Uint8Array(9));
  assert.throws(() => under.finish(), /9 bytes were fed for a file of 10 bytes/);
});

test("tree builder: an empty file has no root and no layer", () => {
  const built = createTreeBuilder({ size: 0, pieceLength: 16 * KiB, hash: sha }).finish();
  assert.equal(built.root.length, 0);
  assert.deepEqual(built.layer, []);
});

test("tree builder: any chunking gives the root and layer of the whole-buffer functions (seeded)", () => {
  const random = seededRandom(9);
  const sizes = [1, 16 * KiB - 1, 16 * KiB, 16 * KiB + 1, 64 * KiB, 64 * KiB + 1, 200 * KiB - 3, 1024 * KiB + 5];
  for (const size of sizes) {
    const data = new Uint8Array(size);
    for (let i = 0; i < size; i++) data[i] = (i * 131 + (i >> 11)) & 0xff;
    const leaves = leafHashes(data, sha);
    for (const pieceLength of [16 * KiB, 32 * KiB, 64 * KiB, 256 * KiB]) {
      const builder = createTreeBuilder({ size, pieceLength, hash: sha });
      for (let offset = 0; offset < size; ) {
        const step = 1 + Math.floor(random() * 40 * KiB);
        builder.update(data.subarray(offset, Math.min(size, offset + step)));
        offset += step;
      }
      const built = builder.finish();
      const name = `size ${size} P ${pieceLength}`;
      assert.equal(toHex(built.root), toHex(rootFromLeaves(leaves, sha)), `${name}: root`);
      assert.deepEqual(built.layer.map(toHex), pieceLayer(leaves, pieceLength, sha).map(toHex), `${name}: layer`);
    }
  }
});
