/** A folder stream's names and index (client/stream/folder-index.ts): hostile paths first. */
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import {
  entryAt,
  entryHref,
  type FolderEntry,
  folderIndexHtml,
  folderPlaylist,
  wantsHtml,
} from "../../../client/stream/folder-index.js";

const ENTRIES: readonly FolderEntry[] = [
  { path: "a.mp4", id: "j1", size: 10 },
  { path: "sub dir/notes & more.bin", id: "j2", size: 20 },
  { path: 'x/<img src=y onerror="alert(1)">.webm', id: "j3", size: 30 },
  { path: "100%/é?#.mkv", id: "j4", size: 40 },
  { path: "a%2Fb", id: "j5", size: 50 },
];

describe("entryHref / entryAt", () => {
  const cases: Array<[string, string | undefined]> = [
    ["/a.mp4", "j1"],
    ["/sub%20dir/notes%20%26%20more.bin", "j2"],
    ["/100%25/%C3%A9%3F%23.mkv", "j4"],
    ["/a%252Fb", "j5"], // a name holding "%2F" is not a path separator
    ["/a%2Fb", undefined], // an encoded "/" never names another path
    ["/sub dir/notes & more.bin", undefined], // only the canonical form
    ["/", undefined],
    ["", undefined],
    ["/%E0%A4%A", undefined], // a malformed escape
    ["/../a.mp4", undefined],
    ["/sub%20dir", undefined], // a folder is not a file
  ];
  for (const [url, id] of cases)
    test(`${JSON.stringify(url)} → ${id ?? "none"}`, () => assert.equal(entryAt(url, ENTRIES)?.id, id));
  test("every entry's href names it", () => {
    for (const e of ENTRIES) assert.equal(entryAt(entryHref(e.path), ENTRIES)?.id, e.id, e.path);
  });
});

describe("wantsHtml", () => {
  const cases: Array<[string | undefined, boolean]> = [
    ["text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8", true], // Chromium, Firefox
    ["*/*", false], // curl, mpv, ffmpeg
    [undefined, false],
    ["application/json, text/htmlx", false],
    ["text/plain, TEXT/HTML;q=0.5", true],
  ];
  for (const [accept, expected] of cases)
    test(`${accept ?? "(none)"} → ${expected}`, () => assert.equal(wantsHtml(accept), expected));
});

describe("index", () => {
  test("the playlist has one absolute URL per file, titles on one line", () => {
    const list = folderPlaylist("http://127.0.0.1:9", [...ENTRIES, { path: "two\nlines", id: "j6", size: 1 }]);
    const lines = list.trimEnd().split("\n");
    assert.equal(lines[0], "#EXTM3U");
    assert.equal(lines.length, 1 + 2 * 6);
    assert.equal(lines[4], "http://127.0.0.1:9/sub%20dir/notes%20%26%20more.bin");
    assert.equal(lines[11], "#EXTINF:-1,two lines");
  });
  test("the page escapes every name", () => {
    const page = folderIndexHtml('<b>"Shows"</b>', ENTRIES);
    assert.doesNotMatch(page, /<b>|<img|onerror="/);
    assert.match(page, /<h1><bdi>&lt;b&gt;&quot;Shows&quot;&lt;\/b&gt;<\/bdi>\/<\/h1>/);
    assert.match(page, /<a href="\/sub%20dir\/notes%20%26%20more.bin"><bdi>sub dir\/notes &amp; more.bin<\/bdi><\/a>/);
    assert.match(page, /&lt;img src=y onerror=&quot;alert\(1\)&quot;&gt;.webm/);
  });
});
