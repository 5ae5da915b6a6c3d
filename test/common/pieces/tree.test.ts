/**
 * BEP 52 tree math. The expected roots and layers are derived here by hand,
 * step by step with node:crypto (leaves, then pairs), never by calling the
 * module under test; libtorrent cross-checks the same sizes in
 * pieces-libtorrent.test.ts.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import {
  BLOCK_SIZE,
  checkPiece,
  checkPieceLayer,
  leafHashes,
  merkleRoot,
  padHash,
  pieceCount,
  pieceHash,
  pieceLayer,
  pieceLengthFor,
  pieceSpan,
  rootFromLeaves,
  rootFromPieceLayer,
} from "../../../common/pieces/tree.js";
import { layerFromHex, layerToHex, rootFromHex, toHex } from "../../../common/pieces/hex.js";
import { seededRandom } from "../../../client/retry/backoff.js";

const KiB = 1024;
const MiB = 1024 * KiB;
const sha = (data: Uint8Array): Uint8Array => new Uint8Array(createHash("sha256").update(data).digest());
/** SHA-256 of the concatenation, in hex: one node written out. */
const H = (...parts: string[]): string =>
  createHash("sha256")
    .update(Buffer.from(parts.join(""), "hex"))
    .digest("hex");
const Z = "00".repeat(32);
const leaf = (data: Uint8Array, block: number): string =>
  createHash("sha256")
    .update(data.subarray(block * BLOCK_SIZE, Math.min((block + 1) * BLOCK_SIZE, data.length)))
    .digest("hex");

/** Deterministic bytes, different at every offset of a block. */
function bytes(size: number, seed = 1): Uint8Array {
  const out = new Uint8Array(size);
  for (let i = 0; i < size; i++) out[i] = (i * 31 + seed * 7 + (i >>> 8)) & 0xff;
  return out;
}

const root = (data: Uint8Array): string => toHex(rootFromLeaves(leafHashes(data, sha), sha));
const layer = (data: Uint8Array, p: number): string[] => pieceLayer(leafHashes(data, sha), p, sha).map(toHex);

test("pieceLengthFor: table, hostile inputs first", () => {
  assert.throws(() => pieceLengthFor(-1), /size must be/);
  assert.throws(() => pieceLengthFor(Number.NaN), /size must be/);
  assert.throws(() => pieceLengthFor(1.5), /size must be/);
  const cases: Array<{ name: string; size: number; want: number }> = [
    { name: "empty", size: 0, want: 16 * KiB },
    { name: "one byte", size: 1, want: 16 * KiB },
    { name: "2048 blocks exactly", size: 32 * MiB, want: 16 * KiB },
    { name: "2048 blocks + 1 byte", size: 32 * MiB + 1, want: 32 * KiB },
    { name: "1 GiB → 512 KiB", size: 1024 * MiB, want: 512 * KiB },
    { name: "1 GiB + 1 → 1 MiB", size: 1024 * MiB + 1, want: 1 * MiB },
    { name: "32 GiB → 16 MiB", size: 32 * 1024 * MiB, want: 16 * MiB },
    { name: "50 GiB → 16 MiB (cap, 3,200 pieces)", size: 50 * 1024 * MiB, want: 16 * MiB },
    { name: "1 TiB → 16 MiB", size: 1024 * 1024 * MiB, want: 16 * MiB },
  ];
  for (const c of cases) assert.equal(pieceLengthFor(c.size), c.want, c.name);
});

test("pieceCount and pieceSpan: table, hostile inputs first", () => {
  assert.throws(() => pieceCount(10, 1000), /power of two >= 16384/);
  assert.throws(() => pieceCount(10, 8 * KiB), /power of two >= 16384/);
  assert.throws(() => pieceSpan(0, 16 * KiB, 0), /out of range: the file has 0 pieces/);
  assert.throws(() => pieceSpan(2, 16 * KiB, 32 * KiB), /out of range/);
  assert.throws(() => pieceSpan(-1, 16 * KiB, 32 * KiB), /out of range/);
  assert.throws(() => pieceSpan(0.5, 16 * KiB, 32 * KiB), /out of range/);
  assert.equal(pieceCount(0, 16 * KiB), 0);
  assert.equal(pieceCount(1, 16 * KiB), 1);
  assert.equal(pieceCount(16 * KiB, 16 * KiB), 1);
  assert.equal(pieceCount(16 * KiB + 1, 16 * KiB), 2);
  assert.deepEqual(pieceSpan(0, 32 * KiB, 80 * KiB - 100), { offset: 0, length: 32 * KiB });
  assert.deepEqual(pieceSpan(2, 32 * KiB, 80 * KiB - 100), { offset: 64 * KiB, length: 16 * KiB - 100 });
  assert.deepEqual(pieceSpan(0, 32 * KiB, 5), { offset: 0, length: 5 });
});

test("padHash and merkleRoot: hostile inputs, then pads written out", () => {
  assert.throws(() => padHash(0, sha), /power of two/);
  assert.throws(() => padHash(3, sha), /power of two/);
  assert.equal(toHex(padHash(1, sha)), Z);
  assert.equal(toHex(padHash(2, sha)), H(Z, Z));
  assert.equal(toHex(padHash(4, sha)), H(H(Z, Z), H(Z, Z)));
  assert.equal(merkleRoot([], new Uint8Array(32), sha).length, 0, "no nodes, no root");
  const a = sha(bytes(5));
  const b = sha(bytes(6));
  const c = sha(bytes(7));
  const pad = sha(bytes(8));
  assert.equal(toHex(merkleRoot([a], pad, sha)), toHex(a), "one node is its own root");
  // Three nodes pad to four with `pad`; the level above would use H(pad ‖ pad).
  assert.equal(toHex(merkleRoot([a, b, c], pad, sha)), H(H(toHex(a), toHex(b)), H(toHex(c), toHex(pad))));
  const five = [a, b, c, a, b];
  const p1 = H(toHex(pad), toHex(pad));
  assert.equal(
    toHex(merkleRoot(five, pad, sha)),
    H(H(H(toHex(a), toHex(b)), H(toHex(c), toHex(a))), H(H(toHex(b), toHex(pad)), p1)),
  );
});

/** A hand-derived case: the data, a piece length, the root and the piece layer written out. */
interface Vector {
  name: string;
  size: number;
  pieceLength: number;
  /** Expected root from the leaves `L` (hex per block). */
  root: (L: string[]) => string;
  /** Expected piece layer (hex), [] when the file fits one piece. */
  layer: (L: string[]) => string[];
}

const vectors: Vector[] = [
  { name: "0 bytes: no root, no layer", size: 0, pieceLength: 16 * KiB, root: () => "", layer: () => [] },
  { name: "1 byte: root = its leaf", size: 1, pieceLength: 16 * KiB, root: (L) => L[0]!, layer: () => [] },
  {
    name: "16 KiB − 1: one short block",
    size: 16 * KiB - 1,
    pieceLength: 16 * KiB,
    root: (L) => L[0]!,
    layer: () => [],
  },
  { name: "16 KiB: one full block", size: 16 * KiB, pieceLength: 16 * KiB, root: (L) => L[0]!, layer: () => [] },
  {
    name: "16 KiB + 1: two leaves, two 16 KiB pieces",
    size: 16 * KiB + 1,
    pieceLength: 16 * KiB,
    root: (L) => H(L[0]!, L[1]!),
    layer: (L) => [L[0]!, L[1]!],
  },
  {
    name: "one piece exactly (64 KiB at P = 64 KiB): no layer",
    size: 64 * KiB,
    pieceLength: 64 * KiB,
    root: (L) => H(H(L[0]!, L[1]!), H(L[2]!, L[3]!)),
    layer: () => [],
  },
  {
    name: "one piece + 1 byte (32 KiB + 1 at P = 32 KiB): three leaves padded with a zero leaf",
    size: 32 * KiB + 1,
    pieceLength: 32 * KiB,
    root: (L) => H(H(L[0]!, L[1]!), H(L[2]!, Z)),
    layer: (L) => [H(L[0]!, L[1]!), H(L[2]!, Z)],
  },
  {
    name: "three pieces, short last (80 KiB − 100 at P = 32 KiB)",
    size: 80 * KiB - 100,
    pieceLength: 32 * KiB,
    root: (L) => H(H(H(L[0]!, L[1]!), H(L[2]!, L[3]!)), H(H(L[4]!, Z), H(Z, Z))),
    layer: (L) => [H(L[0]!, L[1]!), H(L[2]!, L[3]!), H(L[4]!, Z)],
  },
  {
    name: "same file at P = 64 KiB: two pieces, the last padded with three zero leaves",
    size: 80 * KiB - 100,
    pieceLength: 64 * KiB,
    root: (L) => H(H(H(L[0]!, L[1]!), H(L[2]!, L[3]!)), H(H(L[4]!, Z), H(Z, Z))),
    layer: (L) => [H(H(L[0]!, L[1]!), H(L[2]!, L[3]!)), H(H(L[4]!, Z), H(Z, Z))],
  },
  {
    name: "five pieces at P = 16 KiB: layer = leaves, padded to eight",
    size: 5 * 16 * KiB,
    pieceLength: 16 * KiB,
    root: (L) => H(H(H(L[0]!, L[1]!), H(L[2]!, L[3]!)), H(H(L[4]!, Z), H(Z, Z))),
    layer: (L) => [L[0]!, L[1]!, L[2]!, L[3]!, L[4]!],
  },
];

test("hand-derived vectors: root, piece layer, root from the layer", () => {
  for (const v of vectors) {
    const data = bytes(v.size, v.size % 13);
    const L = Array.from({ length: Math.ceil(v.size / BLOCK_SIZE) }, (_, i) => leaf(data, i));
    assert.deepEqual(leafHashes(data, sha).map(toHex), L, `${v.name}: leaves`);
    assert.equal(root(data), v.root(L), `${v.name}: root`);
    assert.deepEqual(layer(data, v.pieceLength), v.layer(L), `${v.name}: layer`);
    const nodes = v.layer(L).map(rootFromHex);
    if (nodes.length > 0) {
      assert.equal(toHex(rootFromPieceLayer(nodes, v.pieceLength, sha)), v.root(L), `${v.name}: root from layer`);
    }
    if (v.size > 0) {
      const r = rootFromHex(v.root(L));
      assert.ok(
        checkPieceLayer({ layer: nodes, size: v.size, pieceLength: v.pieceLength, root: r, hash: sha }),
        v.name,
      );
    }
  }
});

test("the piece layer is checked with the pad hash of its level, not zeros", () => {
  const data = bytes(80 * KiB - 100, 3);
  const L = Array.from({ length: 5 }, (_, i) => leaf(data, i));
  const p = [H(L[0]!, L[1]!), H(L[2]!, L[3]!), H(L[4]!, Z)];
  const right = H(H(p[0]!, p[1]!), H(p[2]!, H(Z, Z)));
  const wrongZeroPad = H(H(p[0]!, p[1]!), H(p[2]!, Z));
  assert.equal(root(data), right);
  assert.notEqual(root(data), wrongZeroPad);
});

test("a single-piece file is checked against the root of its real leaves, not a padded piece node", () => {
  // 3 blocks at P = 128 KiB: the root pads to 4 leaves, a piece node would pad to 8.
  const size = 3 * 16 * KiB;
  const data = bytes(size, 4);
  const L = [0, 1, 2].map((i) => leaf(data, i));
  const r = H(H(L[0]!, L[1]!), H(L[2]!, Z));
  assert.equal(root(data), r);
  assert.notEqual(toHex(pieceHash(data, 128 * KiB, sha)), r);
  const args = { index: 0, size, pieceLength: 128 * KiB, root: rootFromHex(r), layer: [], hash: sha };
  assert.equal(checkPiece({ ...args, piece: data }), true);
  const bad = data.slice();
  bad[40_000] = (bad[40_000]! + 1) & 0xff;
  assert.equal(checkPiece({ ...args, piece: bad }), false);
  assert.equal(checkPiece({ ...args, piece: data.subarray(0, size - 1) }), false, "short piece");
});

test("checkPiece on a multi-piece file: true for each piece, false for a flipped byte, a wrong length or index", () => {
  const size = 80 * KiB - 100;
  const P = 32 * KiB;
  const data = bytes(size, 5);
  const leaves = leafHashes(data, sha);
  const nodes = pieceLayer(leaves, P, sha);
  const r = rootFromLeaves(leaves, sha);
  const base = { size, pieceLength: P, root: r, layer: nodes, hash: sha };
  for (let i = 0; i < 3; i++) {
    const { offset, length } = pieceSpan(i, P, size);
    const piece = data.subarray(offset, offset + length);
    assert.equal(checkPiece({ ...base, index: i, piece }), true, `piece ${i}`);
    const flipped = piece.slice();
    flipped[length - 1] = (flipped[length - 1] as number) ^ 0x01;
    assert.equal(checkPiece({ ...base, index: i, piece: flipped }), false, `piece ${i} flipped`);
  }
  assert.equal(checkPiece({ ...base, index: 1, piece: data.subarray(0, P) }), false, "piece 0 under index 1");
  assert.equal(checkPiece({ ...base, index: 2, piece: data.subarray(2 * P, size - 1) }), false, "last piece short");
  assert.equal(checkPiece({ ...base, index: 0, piece: data.subarray(0, P), layer: [] }), false, "no layer");
  assert.throws(() => checkPiece({ ...base, index: 3, piece: data.subarray(0, 1) }), /out of range/);
  assert.equal(checkPiece({ ...base, size: 0, index: 0, piece: new Uint8Array(0) }), false, "empty file");
  assert.throws(() => pieceHash(new Uint8Array(0), P, sha), /1\.\.32768 bytes/);
  assert.throws(() => pieceHash(new Uint8Array(P + 1), P, sha), /1\.\.32768 bytes/);
});

test("checkPieceLayer refuses a layer of the wrong count, node size or root", () => {
  const size = 80 * KiB - 100;
  const P = 32 * KiB;
  const leaves = leafHashes(bytes(size, 6), sha);
  const nodes = pieceLayer(leaves, P, sha);
  const r = rootFromLeaves(leaves, sha);
  const check = (layer: Uint8Array[], s = size) =>
    checkPieceLayer({ layer, size: s, pieceLength: P, root: r, hash: sha });
  assert.equal(check(nodes), true);
  assert.equal(check(nodes.slice(0, 2)), false, "one node short");
  assert.equal(check([...nodes, nodes[0]!]), false, "one node too many");
  assert.equal(check([nodes[0]!, nodes[1]!, nodes[2]!.subarray(0, 31)]), false, "31-byte node");
  assert.equal(check([nodes[1]!, nodes[0]!, nodes[2]!]), false, "swapped");
  assert.equal(check([], 32 * KiB), true, "a one-piece file has an empty layer");
  assert.equal(check(nodes, 32 * KiB), false, "a one-piece file has no layer");
});

test("any piece length gives the same root (seeded random sizes and P)", () => {
  const random = seededRandom(52);
  for (let run = 0; run < 40; run++) {
    const size = 1 + Math.floor(random() * 3 * MiB);
    const data = new Uint8Array(size);
    for (let i = 0; i < size; i += 997) data[i] = Math.floor(random() * 256);
    const leaves = leafHashes(data, sha);
    const want = toHex(rootFromLeaves(leaves, sha));
    for (let p = 16 * KiB; p <= 4 * MiB; p *= 2) {
      const nodes = pieceLayer(leaves, p, sha);
      if (size <= p) {
        assert.equal(nodes.length, 0, `size ${size} P ${p}: no layer`);
        continue;
      }
      assert.equal(nodes.length, pieceCount(size, p), `size ${size} P ${p}: count`);
      assert.equal(toHex(rootFromPieceLayer(nodes, p, sha)), want, `size ${size} P ${p}: root`);
      // Each piece hashed on its own gives the same node as the layer built from all leaves.
      const last = nodes.length - 1;
      const span = pieceSpan(last, p, size);
      assert.equal(
        toHex(pieceHash(data.subarray(span.offset, span.offset + span.length), p, sha)),
        toHex(nodes[last]!),
      );
    }
  }
});

test("hex edges: roots and stored layers round-trip, bad text is refused clearly", () => {
  assert.throws(() => rootFromHex("AB".repeat(32)), /64 lower-case hex/);
  assert.throws(() => rootFromHex("ab".repeat(31)), /64 lower-case hex/);
  assert.throws(() => rootFromHex(""), /64 lower-case hex/);
  assert.throws(() => layerFromHex("ab"), /lower-case hex of 32-byte nodes/);
  const nodes = [sha(bytes(1)), sha(bytes(2))];
  assert.deepEqual(layerFromHex(layerToHex(nodes)), nodes);
  assert.deepEqual(layerFromHex(""), []);
  assert.equal(toHex(rootFromHex("0f".repeat(32))), "0f".repeat(32));
});
