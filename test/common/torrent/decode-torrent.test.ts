/**
 * The torrent decoder: hostile inputs first, then v1, v2 and hybrid torrents
 * whose info-hashes are checked against @ctrl/torrent-file (the hash the
 * qBittorrent client libraries compute, and MonoTorrent's rule: SHA-1 of the
 * bencoded info dictionary).
 */
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { hash as ctrlHash, hashes as ctrlHashes } from "@ctrl/torrent-file";
import { encode } from "../../../common/bencode.js";
import { decodeTorrent } from "../../../common/torrent/decode-torrent.js";

const ROOT = Buffer.alloc(32, 9);
const PIECES = Buffer.alloc(20, 1);

const v1Single = encode({
  announce: "http://tracker.invalid/announce",
  info: { length: 1000, name: "été.mkv", "piece length": 16384, pieces: PIECES },
  "url-list": "http://127.0.0.1:1/files/",
});
const v2Single = encode({
  info: {
    "file tree": { "été.mkv": { "": { length: 1000, "pieces root": ROOT } } },
    "meta version": 2,
    name: "été.mkv",
    "piece length": 16384,
  },
  "url-list": ["http://127.0.0.1:1/v1/links/t/"],
});
const hybrid = encode({
  info: {
    "file tree": { "a.bin": { "": { length: 1000, "pieces root": ROOT } } },
    length: 1000,
    "meta version": 2,
    name: "a.bin",
    "piece length": 16384,
    pieces: PIECES,
  },
});

describe("decodeTorrent", () => {
  const refused: Array<[string, Uint8Array, RegExp]> = [
    ["empty", new Uint8Array(), /not a torrent/],
    ["not bencode", Buffer.from("<html>"), /not a torrent/],
    ["a list", encode([1, 2]), /no info/],
    ["no name", encode({ info: { length: 1, "piece length": 16384, pieces: PIECES } }), /no name/],
    ["no piece length", encode({ info: { length: 1, name: "x", pieces: PIECES } }), /piece length/],
    ["neither v1 nor v2", encode({ info: { name: "x", "piece length": 16384 } }), /neither/],
    [
      "a v2 name with a slash",
      encode({
        info: {
          "file tree": { "../x": { "": { length: 1, "pieces root": ROOT } } },
          "meta version": 2,
          name: "x",
          "piece length": 16384,
        },
      }),
      /unsafe file name/,
    ],
    [
      "a v1 path segment ..",
      encode({
        info: { files: [{ length: 1, path: [".."] }], name: "x", "piece length": 16384, pieces: PIECES },
      }),
      /unsafe/,
    ],
    [
      "a v2 file with bytes and no root",
      encode({
        info: { "file tree": { x: { "": { length: 5 } } }, "meta version": 2, name: "x", "piece length": 16384 },
      }),
      /no pieces root/,
    ],
  ];
  for (const [name, bytes, message] of refused)
    test(`refused: ${name}`, () => {
      const r = decodeTorrent(bytes);
      assert.equal(r.ok, false);
      if (!r.ok) assert.match(r.error, message);
    });

  test("v1: the hash is @ctrl/torrent-file's (SHA-1 of the info dictionary); a string url-list", () => {
    const r = decodeTorrent(v1Single);
    assert.ok(r.ok);
    assert.equal(r.value.hash, ctrlHash(v1Single));
    assert.equal(r.value.infoHashV2, undefined);
    assert.equal(r.value.name, "été.mkv");
    assert.deepEqual(r.value.files, [{ path: ["été.mkv"], length: 1000 }]);
    assert.deepEqual(r.value.webSeeds, ["http://127.0.0.1:1/files/"]);
  });

  test("v2 only: hash = the v2 hash truncated to 40 hex (qBittorrent's id); @ctrl/torrent-file refuses it", () => {
    const r = decodeTorrent(v2Single);
    assert.ok(r.ok);
    assert.equal(r.value.infoHashV1, undefined);
    assert.equal(r.value.infoHashV2, ctrlHashes(v2Single).infoHashV2);
    assert.equal(r.value.hash, r.value.infoHashV2?.slice(0, 40));
    assert.deepEqual(r.value.files, [{ path: ["été.mkv"], length: 1000, piecesRoot: ROOT.toString("hex") }]);
    assert.throws(() => ctrlHash(v2Single));
  });

  test("hybrid: both hashes as @ctrl/torrent-file computes them; hash = the v1 one", () => {
    const r = decodeTorrent(hybrid);
    assert.ok(r.ok);
    const want = ctrlHashes(hybrid);
    assert.equal(r.value.infoHashV1, want.infoHash);
    assert.equal(r.value.infoHashV2, want.infoHashV2);
    assert.equal(r.value.hash, ctrlHash(hybrid));
    assert.equal(r.value.files[0]?.piecesRoot, ROOT.toString("hex"));
  });
});
