/** The .torrent of one file (pure): what BEP 52 requires, and what it refuses. */
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { decode } from "../../../common/bencode.js";
import { buildTorrent, torrentProblem, type TorrentInput } from "../../../server/torrent/torrent-file.js";
import { parseLinkExpires } from "../../../server/torrent/torrent-route.js";

const ROOT = "ab".repeat(32);
const base: TorrentInput = {
  name: "a.bin",
  size: 40_000,
  piecesRoot: ROOT,
  pieceLength: 16_384,
  layer: "11".repeat(32) + "22".repeat(32) + "33".repeat(32),
  webSeed: "http://h:1/v1/links/T/",
  creationDate: 1_800_000_000,
  createdBy: "peer 1.0.0",
};

describe("torrentProblem", () => {
  const cases: Array<[string, Partial<TorrentInput>, RegExp]> = [
    ["an empty file", { size: 0 }, /empty/],
    ["a root of the wrong length", { piecesRoot: "ab" }, /pieces root/],
    ["an upper-case root", { piecesRoot: ROOT.toUpperCase() }, /pieces root/],
    ["a piece length below 16 KiB", { pieceLength: 8192 }, /piece length/],
    ["a piece length not a power of two", { pieceLength: 20_000 }, /piece length/],
    ["a layer with a missing hash", { layer: "11".repeat(64) }, /3 hashes/],
    ["a layer on a one-piece file", { size: 100 }, /0 hashes/],
    ["a name with a slash", { name: "a/b" }, /plain file name/],
  ];
  for (const [name, change, message] of cases)
    test(name, () => assert.match(torrentProblem({ ...base, ...change }) ?? "", message));
  test("a good input", () => assert.equal(torrentProblem(base), undefined));
});

describe("buildTorrent", () => {
  const t = decode(buildTorrent(base)) as Map<string, unknown>;
  const info = t.get("info") as Map<string, unknown>;
  test("meta version 2, name, piece length", () => {
    assert.equal(info.get("meta version"), 2);
    assert.equal(Buffer.from(info.get("name") as Uint8Array).toString(), "a.bin");
    assert.equal(info.get("piece length"), 16_384);
    assert.equal(info.has("pieces"), false, "v2 only: no v1 pieces");
  });
  test("file tree: length and pieces root", () => {
    const leaf = ((info.get("file tree") as Map<string, unknown>).get("a.bin") as Map<string, unknown>).get("") as Map<
      string,
      unknown
    >;
    assert.equal(leaf.get("length"), 40_000);
    assert.equal(Buffer.from(leaf.get("pieces root") as Uint8Array).toString("hex"), ROOT);
  });
  test("piece layers keyed by the root", () => {
    const layers = t.get("piece layers") as Map<string, Uint8Array>;
    assert.equal(Buffer.from(layers.get(Buffer.from(ROOT, "hex").toString("latin1"))!).toString("hex"), base.layer);
  });
  test("url-list is the web seed", () => {
    assert.deepEqual(
      (t.get("url-list") as Uint8Array[]).map((u) => Buffer.from(u).toString()),
      [base.webSeed],
    );
  });
  test("a one-piece file has no piece layers", () => {
    const one = decode(buildTorrent({ ...base, size: 100, layer: "" })) as Map<string, unknown>;
    assert.equal(one.has("piece layers"), false);
  });
  test("throws on a bad input", () => assert.throws(() => buildTorrent({ ...base, size: 0 }), RangeError));
});

describe("parseLinkExpires", () => {
  const cases: Array<[string | null, number | undefined]> = [
    ["-1", undefined],
    ["59", undefined],
    ["1e3", undefined],
    ["", undefined],
    ["99999999999", undefined],
    [String(3651 * 86400), undefined],
    [null, 7 * 86400],
    ["60", 60],
    ["86400", 86400],
  ];
  for (const [input, expected] of cases)
    test(`${JSON.stringify(input)} → ${expected}`, () => assert.equal(parseLinkExpires(input), expected));
});
