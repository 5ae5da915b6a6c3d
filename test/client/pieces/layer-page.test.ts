import { test } from "node:test";
import assert from "node:assert/strict";
import { checkLayerPage, type LayerPage, plannedPieceLength } from "../../../client/pieces/piece-layer-fetch.js";

const KiB = 1024;
const MiB = 1024 * KiB;
const good: LayerPage = { size: 10 * MiB, pieceLength: MiB, count: 10, before: undefined, received: 0, pageNodes: 10 };

test("checkLayerPage: a peer's claimed layer shape, hostile first", () => {
  const cases: Array<[string, Partial<LayerPage>, RegExp | undefined]> = [
    ["1,000× the pieces", { count: 10_000 }, /10000 pieces claimed where .* make 10/],
    ["2^53 pieces", { count: 2 ** 53 }, /claimed/],
    ["one piece too many", { count: 11 }, /claimed/],
    ["one piece too few", { count: 9 }, /claimed/],
    ["no pieces for bytes", { count: 0 }, /claimed/],
    ["piece length 0", { pieceLength: 0 }, /power of two/],
    ["negative piece length", { pieceLength: -MiB }, /power of two/],
    ["piece length not a power of two", { pieceLength: 3 * MiB }, /power of two/],
    ["piece length below 16 KiB", { pieceLength: 8 * KiB, count: 1280 }, /power of two/],
    ["piece length above 16 MiB", { pieceLength: 32 * MiB, count: 1 }, /power of two/],
    ["count changed between pages", { before: { pieceLength: MiB, count: 12 } }, /changed/],
    ["length changed between pages", { before: { pieceLength: 2 * MiB, count: 10 } }, /changed/],
    ["a page past the count", { received: 8, pageNodes: 3 }, /more than/],
    ["the whole layer in one page", {}, undefined],
    ["a second page", { before: { pieceLength: MiB, count: 10 }, received: 4, pageNodes: 6 }, undefined],
    ["a one-piece file sends no hashes", { size: 5, pieceLength: 16 * KiB, count: 1, pageNodes: 0 }, undefined],
    ["the last piece short", { size: 10 * MiB + 1, count: 11, pageNodes: 11 }, undefined],
  ];
  for (const [name, over, want] of cases) {
    const got = checkLayerPage({ ...good, ...over });
    if (want === undefined) assert.equal(got, undefined, name);
    else assert.match(got ?? "", want, name);
  }
});

test("fetchPieceLayer: a file of at most 1 MiB is one piece checked against the root, nothing asked", async () => {
  const { createHash, randomBytes } = await import("node:crypto");
  const { fetchPieceLayer, ONE_PIECE_MAX_SIZE } = await import("../../../client/pieces/piece-layer-fetch.js");
  const tree = await import("../../../common/pieces/tree.js");
  const { toHex } = await import("../../../common/pieces/hex.js");
  const sha = (b: Uint8Array) => new Uint8Array(createHash("sha256").update(b).digest());
  const asked = {
    getPieceHashes: async () => {
      throw new Error("no layer is needed for a one-piece file");
    },
  };
  for (const size of [1, 16 * KiB, 16 * KiB + 1, 48 * KiB, 64 * KiB, 64 * KiB + 1, 700 * KiB, ONE_PIECE_MAX_SIZE]) {
    const data = randomBytes(size);
    const root = tree.rootFromLeaves(tree.leafHashes(data, sha), sha);
    const t = { itemId: "s/f", etag: '"e"', size, root: toHex(root) };
    const got = await fetchPieceLayer(asked as never, t, new AbortController().signal);
    assert.deepEqual(got.layer, [], String(size));
    assert.ok(tree.isPowerOfTwo(got.pieceLength) && got.pieceLength >= size && got.pieceLength >= 16 * KiB);
    const check = { index: 0, size, pieceLength: got.pieceLength, root, layer: got.layer, hash: sha };
    assert.ok(tree.checkPiece({ ...check, piece: data }), `the file's bytes pass (${size})`);
    data[size - 1] = (data[size - 1] as number) ^ 1;
    assert.equal(tree.checkPiece({ ...check, piece: data }), false, `a flipped byte fails (${size})`);
  }
  const big = { itemId: "s/f", etag: '"e"', size: ONE_PIECE_MAX_SIZE + 1, root: "ab".repeat(32) };
  await assert.rejects(fetchPieceLayer(asked as never, big, new AbortController().signal), /no layer is needed/);
});

test("plannedPieceLength: one piece up to 1 MiB, else the peer's piece length", () => {
  const cases: Array<[string, number, number, number]> = [
    ["an empty file (no pieces: the peer's)", 0, 16 * KiB, 16 * KiB],
    ["one byte", 1, 16 * KiB, 16 * KiB],
    ["64 KiB at 16 KiB pieces", 64 * KiB, 16 * KiB, 64 * KiB],
    ["64 KiB + 1", 64 * KiB + 1, 16 * KiB, 128 * KiB],
    ["exactly 1 MiB", MiB, 256 * KiB, MiB],
    ["1 MiB + 1: the peer's", MiB + 1, 256 * KiB, 256 * KiB],
    ["64 MiB", 64 * MiB, 4 * MiB, 4 * MiB],
  ];
  for (const [name, size, peer, expected] of cases) assert.equal(plannedPieceLength(size, peer), expected, name);
});
