/**
 * The hybrid torrent encoder, the piece length rule and layer coarsening
 * (pure): what BEP 52 and BEP 47 require, what is refused, determinism.
 */
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { decode } from "../../../common/bencode.js";
import {
  buildHybridTorrent,
  comparePaths,
  hybridTorrentProblem,
  torrentLayout,
  v1PieceCount,
  type HybridTorrentInput,
} from "../../../common/torrent/hybrid-torrent.js";
import { MAX_TORRENT_PIECE_LENGTH, torrentPieceLength } from "../../../common/torrent/piece-length.js";
import { coarserLayer } from "../../../common/torrent/coarser-layer.js";
import { leafHashes, pieceLayer } from "../../../common/pieces/tree.js";

const ROOT = "ab".repeat(32);
const P = 16_384;
const single: HybridTorrentInput = {
  name: "a.bin",
  folder: false,
  pieceLength: P,
  files: [{ path: ["a.bin"], size: 40_000, piecesRoot: ROOT, layer: "11".repeat(96) }],
  v1Pieces: new Uint8Array(60),
  webSeed: "http://h:1/v1/links/T/",
  createdBy: "peer",
};
const folder: HybridTorrentInput = {
  name: "Shows",
  folder: true,
  pieceLength: P,
  files: [
    { path: ["b", "x.txt"], size: 100, piecesRoot: "cd".repeat(32), layer: "" },
    { path: ["a-b.txt"], size: 16_384, piecesRoot: "ef".repeat(32), layer: "" },
    { path: ["a", "empty"], size: 0, piecesRoot: "", layer: "" },
    { path: ["a", "z.bin"], size: 20_000, piecesRoot: ROOT, layer: "22".repeat(64) },
  ],
  // a/empty, a/z.bin (2 pieces, padded), a-b.txt (1), b/x.txt (1): 4 pieces
  v1Pieces: new Uint8Array(80),
  webSeed: "http://h:1/v1/links/T//",
  createdBy: "peer",
};

describe("hybridTorrentProblem", () => {
  const cases: Array<[string, Partial<HybridTorrentInput>, RegExp]> = [
    ["a path with ..", { folder: true, files: [{ ...single.files[0]!, path: ["..", "x"] }] }, /'\.\.'/],
    ["an empty path component", { folder: true, files: [{ ...single.files[0]!, path: ["", "x"] }] }, /empty/],
    ["a path twice", { ...folder, files: [folder.files[0]!, folder.files[0]!] }, /twice/],
    ["a root of the wrong length", { files: [{ ...single.files[0]!, piecesRoot: "ab" }] }, /pieces root/],
    [
      "an empty file with a root",
      { ...folder, files: [...folder.files.slice(0, 2), { path: ["e"], size: 0, piecesRoot: ROOT, layer: "" }] },
      /pieces root/,
    ],
    ["a piece length below 16 KiB", { pieceLength: 8192 }, /piece length/],
    ["a piece length not a power of two", { pieceLength: 20_000 }, /piece length/],
    ["a layer with a missing hash", { files: [{ ...single.files[0]!, layer: "11".repeat(64) }] }, /3 hashes/],
    ["v1 pieces of the wrong length", { v1Pieces: new Uint8Array(40) }, /3 SHA-1/],
    ["a name with a slash", { name: "a/b" }, /plain name/],
    ["no files", { folder: true, files: [] }, /at least one/],
    ["only empty files", { folder: true, files: [{ path: ["e"], size: 0, piecesRoot: "", layer: "" }] }, /no pieces/],
    ["two files in single-file mode", { files: folder.files }, /exactly one/],
  ];
  for (const [name, change, message] of cases)
    test(name, () => assert.match(hybridTorrentProblem({ ...single, ...change }) ?? "", message));
  test("good inputs", () => {
    assert.equal(hybridTorrentProblem(single), undefined);
    assert.equal(hybridTorrentProblem(folder), undefined);
  });
});

describe("layout (BEP 47 pad files in file tree order)", () => {
  test("files in file-tree order, a pad after each unaligned file but the last", () => {
    const layout = torrentLayout(folder.files, P);
    assert.deepEqual(
      layout.map((e) => (e.kind === "pad" ? `pad ${e.size}` : e.file.path.join("/"))),
      ["a/empty", "a/z.bin", `pad ${2 * P - 20_000}`, "a-b.txt", "b/x.txt"],
    );
    assert.equal(v1PieceCount(layout, P), 4);
  });
  test("path order is by component bytes, not by joined string", () => {
    assert.ok(comparePaths(["a", "z"], ["a-b"]) < 0, '"a" < "a-b" although "a/" > "a-"');
    assert.ok(comparePaths(["Z"], ["a"]) < 0);
    assert.ok(comparePaths(["é"], ["z"]) > 0, "UTF-8 bytes");
  });
});

describe("buildHybridTorrent", () => {
  const t = decode(buildHybridTorrent(folder)) as Map<string, unknown>;
  const info = t.get("info") as Map<string, unknown>;
  test("v1 and v2 keys in the info dictionary", () => {
    assert.equal(info.get("meta version"), 2);
    assert.equal(info.get("piece length"), P);
    assert.equal((info.get("pieces") as Uint8Array).length, 80);
    assert.ok(info.has("file tree"));
    assert.equal(info.has("length"), false);
  });
  test("v1 files: pads with attr p and path .pad/<n>", () => {
    const files = info.get("files") as Array<Map<string, unknown>>;
    const pad = files[2]!;
    assert.equal(Buffer.from(pad.get("attr") as Uint8Array).toString(), "p");
    assert.deepEqual(
      (pad.get("path") as Uint8Array[]).map((p) => Buffer.from(p).toString()),
      [".pad", String(2 * P - 20_000)],
    );
    assert.equal(files.length, 5);
  });
  test("file tree nests folders; empty files have no root", () => {
    const tree = info.get("file tree") as Map<string, Map<string, Map<string, Map<string, unknown>>>>;
    assert.equal(tree.get("a")!.get("empty")!.get("")!.get("length"), 0);
    assert.equal(tree.get("a")!.get("empty")!.get("")!.has("pieces root"), false);
    assert.equal(
      Buffer.from(tree.get("a")!.get("z.bin")!.get("")!.get("pieces root") as Uint8Array).toString("hex"),
      ROOT,
    );
  });
  test("piece layers only for files longer than one piece", () => {
    const layers = t.get("piece layers") as Map<string, Uint8Array>;
    assert.deepEqual(
      [...layers.keys()].map((k) => Buffer.from(k, "latin1").toString("hex")),
      [ROOT],
    );
  });
  test("single-file: v1 length, a one-entry file tree under the name", () => {
    const s = decode(buildHybridTorrent(single)) as Map<string, unknown>;
    const i = s.get("info") as Map<string, unknown>;
    assert.equal(i.get("length"), 40_000);
    assert.equal(i.has("files"), false);
    assert.ok((i.get("file tree") as Map<string, unknown>).has("a.bin"));
  });
  test("the same input gives the same bytes; the web seed is outside the info dictionary", () => {
    assert.deepEqual(buildHybridTorrent(folder), buildHybridTorrent({ ...folder, files: [...folder.files].reverse() }));
    const other = decode(buildHybridTorrent({ ...folder, webSeed: "http://other/" })) as Map<string, unknown>;
    assert.deepEqual(other.get("info"), info);
  });
  test("throws on a bad input", () => assert.throws(() => buildHybridTorrent({ ...single, name: "" }), RangeError));
});

describe("torrentPieceLength", () => {
  const KiB = 1024;
  const MiB = 1024 * KiB;
  const GiB = 1024 * MiB;
  const cases: Array<[string, number, number | undefined, number]> = [
    ["an empty total", 0, undefined, 16 * KiB],
    ["one byte", 1, undefined, 16 * KiB],
    ["32 MiB: 2,048 pieces of 16 KiB", 32 * MiB, undefined, 16 * KiB],
    ["one byte more", 32 * MiB + 1, undefined, 32 * KiB],
    ["1 GiB", GiB, undefined, 512 * KiB],
    ["32 GiB: 16 MiB, the per-file cap", 32 * GiB, undefined, 16 * MiB],
    ["1 TiB: 64 MiB, 16,384 pieces", 1024 * GiB, undefined, MAX_TORRENT_PIECE_LENGTH],
    ["never below a file's cached length", MiB, 4 * MiB, 4 * MiB],
  ];
  for (const [name, total, minimum, expected] of cases)
    test(name, () => assert.equal(torrentPieceLength(total, minimum), expected));
  test("a 1 TiB file: the .torrent stays below 1 MiB", () => {
    const pieces = Math.ceil((1024 * GiB) / torrentPieceLength(1024 * GiB));
    assert.ok(pieces * (32 + 20) < 1024 * 1024, `${pieces} pieces`);
  });
  test("hostile totals throw", () => {
    assert.throws(() => torrentPieceLength(-1), RangeError);
    assert.throws(() => torrentPieceLength(Number.NaN), RangeError);
  });
});

describe("coarserLayer", () => {
  const sha256 = (d: Uint8Array) => createHash("sha256").update(d).digest();
  const data = Buffer.alloc(16_384 * 9 + 5000);
  for (let i = 0; i < data.length; i++) data[i] = (i * 7919) & 0xff;
  for (const to of [32_768, 65_536, 131_072, 262_144]) {
    test(`16 KiB → ${to / 1024} KiB equals the layer built at that length`, () => {
      const leaves = leafHashes(data, sha256);
      const hex = (layer: Uint8Array[]) => Buffer.concat(layer).toString("hex");
      const fine = hex(pieceLayer(leaves, 16_384, sha256));
      assert.equal(coarserLayer(fine, data.length, 16_384, to, sha256), hex(pieceLayer(leaves, to, sha256)));
    });
  }
  test("a smaller or non-multiple length throws", () => {
    assert.throws(() => coarserLayer("", 10, 32_768, 16_384, sha256), RangeError);
    assert.throws(() => coarserLayer("", 10, 32_768, 49_152, sha256), RangeError);
  });
  test("a layer that does not match the size throws", () => {
    assert.throws(() => coarserLayer("11".repeat(32), 16_384 * 9, 16_384, 32_768, sha256), RangeError);
  });
});
