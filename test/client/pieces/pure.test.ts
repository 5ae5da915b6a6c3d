/** Pure parts of the pieces engine as tables: bitmap, planner, assembler, piece node (client/pieces/). */
import { test } from "node:test";
import assert from "node:assert/strict";
import { createHash, randomBytes } from "node:crypto";
import { checkPiece, leafHashes, pieceLayer, rootFromLeaves, type HashFn } from "../../../common/pieces/tree.js";
import {
  bitmapFromText,
  bitmapToText,
  countPieces,
  emptyBitmap,
  hasPiece,
  isFull,
  setPiece,
} from "../../../client/pieces/bitmap.js";
import { candidatesOnDisk, nextRange } from "../../../client/pieces/piece-planner.js";
import { createPieceAssembler } from "../../../client/pieces/piece-assembler.js";
import { nodeFromLeaves, nodeMatches } from "../../../client/pieces/piece-node.js";

const sha256: HashFn = (d) => new Uint8Array(createHash("sha256").update(d).digest());
const K = 16 * 1024;

function bits(count: number, set: number[]) {
  const b = emptyBitmap(count);
  for (const i of set) setPiece(b, i);
  return b;
}

test("bitmapFromText: hostile stored values are refused", () => {
  const cases: Array<[string, string, number]> = [
    ["not base64", "!!!!", 8],
    ["too short", "", 9],
    ["too long", Buffer.from([0, 0]).toString("base64"), 8],
    ["bits past the last piece", Buffer.from([0b0000_0001]).toString("base64"), 7],
    ["broken padding", "AA=", 8],
  ];
  for (const [name, text, count] of cases) assert.throws(() => bitmapFromText(text, count), TypeError, name);
  assert.throws(() => emptyBitmap(-1), RangeError);
  assert.throws(() => setPiece(emptyBitmap(3), 3), RangeError);
  assert.equal(hasPiece(emptyBitmap(3), 99), false, "out of range reads as not set");
});

test("bitmap: round trip, order (piece 0 = high bit), counts", () => {
  const cases: Array<[string, number, number[]]> = [
    ["empty file", 0, []],
    ["one piece, set", 1, [0]],
    ["nine pieces, edges", 9, [0, 8]],
    ["all of 16", 16, [...Array(16).keys()]],
  ];
  for (const [name, count, set] of cases) {
    const b = bits(count, set);
    const back = bitmapFromText(bitmapToText(b), count);
    assert.deepEqual([...back.bytes], [...b.bytes], name);
    assert.equal(countPieces(back), set.length, name);
    assert.equal(isFull(back), set.length === count, name);
  }
  assert.equal(bits(9, [0]).bytes[0], 0x80);
  const b = bits(4, [1, 2]);
  setPiece(b, 1, false);
  assert.deepEqual(
    [0, 1, 2, 3].map((i) => hasPiece(b, i)),
    [false, false, true, false],
  );
});

test("bitmap: isFull stops at the first missing piece and reads only the pieces of the last byte", () => {
  const all = (n: number) => [...Array(n).keys()];
  const cases: Array<[string, number, number[], boolean]> = [
    ["empty file", 0, [], true],
    ["seven of seven", 7, all(7), true],
    ["seven, the last missing", 7, all(6), false],
    ["eight of eight", 8, all(8), true],
    ["nine of nine", 9, all(9), true],
    ["nine, the ninth missing", 9, all(8), false],
    ["nine, the first missing", 9, all(9).slice(1), false],
    ["seventeen, one in the middle missing", 17, all(17).filter((i) => i !== 11), false],
    ["2048 of 2048", 2048, all(2048), true],
    ["2048, the last missing", 2048, all(2047), false],
  ];
  for (const [name, count, set, full] of cases) {
    assert.equal(isFull(bits(count, set)), full, name);
    assert.equal(isFull(bits(count, set)), countPieces(bits(count, set)) === count, `${name}: as counted`);
  }
});

test("nextRange: the first run of pieces neither verified nor busy", () => {
  const size = 10 * K - 100; // 10 pieces, the last short
  const cases: Array<{
    name: string;
    verified: number[];
    busy?: number[];
    from?: number;
    want: [number, number] | undefined;
  }> = [
    { name: "all verified", verified: [...Array(10).keys()], want: undefined },
    { name: "all busy or verified", verified: [0, 1, 2], busy: [3, 4, 5, 6, 7, 8, 9], want: undefined },
    { name: "nothing yet: the whole file", verified: [], want: [0, 10] },
    { name: "cut at 90 %: one suffix run", verified: [...Array(9).keys()], want: [9, 10] },
    { name: "one bad piece in the middle", verified: [0, 1, 2, 3, 5, 6, 7, 8, 9], want: [4, 5] },
    { name: "busy pieces split runs", verified: [], busy: [2], want: [0, 2] },
    { name: "from wraps around", verified: [5, 6, 7, 8, 9], from: 7, want: [0, 5] },
  ];
  for (const c of cases) {
    const r = nextRange({
      size,
      pieceLength: K,
      verified: bits(10, c.verified),
      busy: (i) => (c.busy ?? []).includes(i),
      from: c.from,
    });
    if (c.want === undefined) assert.equal(r, undefined, c.name);
    else {
      assert.deepEqual([r?.first, r?.end], c.want, c.name);
      assert.equal(r?.offset, c.want[0] * K, c.name);
      assert.equal(r?.length, Math.min(size, c.want[1] * K) - c.want[0] * K, c.name);
    }
  }
  assert.equal(
    nextRange({ size: 0, pieceLength: K, verified: emptyBitmap(0), busy: () => false }),
    undefined,
    "empty file",
  );
});

test("candidatesOnDisk: only unverified pieces wholly inside the part", () => {
  const size = 4 * K + 1;
  assert.deepEqual(candidatesOnDisk(bits(5, []), K, size, 0), []);
  assert.deepEqual(candidatesOnDisk(bits(5, []), K, size, 2 * K + 5), [0, 1], "a partly written piece is not hashed");
  assert.deepEqual(candidatesOnDisk(bits(5, [1]), K, size, size), [0, 2, 3, 4]);
});

test("assembler: any chunk sizes → whole pieces in own buffers; skips; gaps and overruns refused", () => {
  const size = 5 * K + 7;
  const data = randomBytes(size);
  for (const chunk of [1000, K, K + 1, 3 * K, size]) {
    const asm = createPieceAssembler({ start: 0, end: size, pieceLength: K, size, skip: (i) => i === 2 });
    const got: number[] = [];
    for (let off = 0; off < size; off += chunk) {
      for (const p of asm.push(off, data.subarray(off, Math.min(size, off + chunk)))) {
        got.push(p.index);
        assert.equal(p.bytes.byteLength, p.bytes.buffer.byteLength, "owns its buffer");
        assert.deepEqual(Buffer.from(p.bytes), data.subarray(p.offset, p.offset + p.bytes.length));
      }
    }
    asm.finish();
    assert.deepEqual(got, [0, 1, 3, 4, 5], `chunks of ${chunk}`);
  }
  const asm = createPieceAssembler({ start: K, end: 2 * K, pieceLength: K, size, skip: () => false });
  assert.throws(() => asm.push(0, data.subarray(0, 10)), /bytes at 0/);
  assert.throws(() => asm.push(K, data.subarray(0, K + 1)), /more bytes/);
  asm.push(K, data.subarray(K, K + 10));
  assert.throws(() => asm.finish(), /ended at/);
  assert.throws(() => createPieceAssembler({ start: 5, end: K, pieceLength: K, size, skip: () => false }), RangeError);
});

test("nodeFromLeaves agrees with checkPiece (one piece, several pieces, short last piece)", () => {
  for (const [size, P] of [
    [1, K],
    [K, K],
    [3 * K + 5, K],
    [10 * K, 4 * K],
    [9 * K + 1, 2 * K],
  ] as const) {
    const data = randomBytes(size);
    const leaves = leafHashes(data, sha256);
    const root = rootFromLeaves(leaves, sha256);
    const layer = pieceLayer(leaves, P, sha256);
    for (let i = 0; i * P < size; i++) {
      const piece = data.subarray(i * P, Math.min(size, (i + 1) * P));
      const node = nodeFromLeaves(leafHashes(piece, sha256), P, size <= P, sha256);
      assert.equal(nodeMatches(node, i, size, P, root, layer), true, `${size}/${P} piece ${i}`);
      assert.equal(checkPiece({ index: i, piece, size, pieceLength: P, root, layer, hash: sha256 }), true);
      const bad = Buffer.from(piece);
      bad[0] = (bad[0] ?? 0) ^ 1;
      assert.equal(
        nodeMatches(nodeFromLeaves(leafHashes(bad, sha256), P, size <= P, sha256), i, size, P, root, layer),
        false,
      );
    }
  }
});
