import { test } from "node:test";
import assert from "node:assert/strict";
import { contentTypeFor, DEFAULT_CONTENT_TYPE, strongEtag } from "../../../server/files/validators.js";

test("strongEtag: quoted hex of size, mtime ns and inode", () => {
  const cases: Array<[number | bigint, bigint, bigint, string]> = [
    [0, 0n, 0n, '"0-0-0"'],
    [11, 1_700_000_000_123_456_789n, 42n, '"b-17979cfe3d85cd15-2a"'],
    [2n ** 53n + 1n, 1n, 1n, '"20000000000001-1-1"'],
  ];
  for (const [size, mtime, ino, expected] of cases) assert.equal(strongEtag(size, mtime, ino), expected);
});

test("strongEtag: any component change changes the tag", () => {
  const base = strongEtag(10, 1000n, 7n);
  assert.notEqual(strongEtag(11, 1000n, 7n), base);
  assert.notEqual(strongEtag(10, 1001n, 7n), base);
  assert.notEqual(strongEtag(10, 1000n, 8n), base);
});

test("strongEtag: refuses negative or fractional sizes", () => {
  for (const bad of [-1, 1.5, Number.NaN, Number.MAX_SAFE_INTEGER + 2])
    assert.throws(() => strongEtag(bad, 0n, 0n), RangeError);
});

test("contentTypeFor", () => {
  const cases: Array<[string, string]> = [
    ["a.mkv", "video/x-matroska"],
    ["A.MKV", "video/x-matroska"],
    ["notes.txt", "text/plain; charset=utf-8"],
    ["archive.tar.gz", "application/gzip"],
    ["photo.JPeG", "image/jpeg"],
    ["no-extension", DEFAULT_CONTENT_TYPE],
    [".bashrc", DEFAULT_CONTENT_TYPE],
    ["trailing.", DEFAULT_CONTENT_TYPE],
    ["weird.constructor", DEFAULT_CONTENT_TYPE],
    ["x.__proto__", DEFAULT_CONTENT_TYPE],
    ["unknown.xyz123", DEFAULT_CONTENT_TYPE],
    ["txt", DEFAULT_CONTENT_TYPE], // a bare word is a name, not an extension
    // A media library's side files, which a hand-written table missed.
    ["film.srt", "application/x-subrip"],
    ["film.vtt", "text/vtt; charset=utf-8"],
    ["release.nfo", "text/x-nfo; charset=utf-8"],
    ["disc.m2ts", "video/mp2t"],
    ["soundtrack.mka", "audio/x-matroska"],
    ["data.json", "application/json; charset=utf-8"],
    ["", DEFAULT_CONTENT_TYPE],
  ];
  for (const [name, expected] of cases) assert.equal(contentTypeFor(name), expected, name);
});
