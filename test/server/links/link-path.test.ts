/** Pure parsing of link paths and what they name inside a link's target: hostile inputs first. */
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { linkUrl, parseLinkPath, resolveLinkResource } from "../../../server/links/link-path.js";
import { parseLinkTarget, type LinkTarget } from "../../../server/links/link-target.js";

const T = "A".repeat(43);

describe("parseLinkPath", () => {
  const cases: Array<[string, string, ReturnType<typeof parseLinkPath>]> = [
    ["dot-dot after the token", `/v1/links/${T}/../x`, { kind: "not-found" }],
    ["encoded dot-dot", `/v1/links/${T}/%2e%2e/x`, { kind: "not-found" }],
    ["encoded slash in a name", `/v1/links/${T}/a%2Fb`, { kind: "not-found" }],
    ["encoded backslash", `/v1/links/${T}/a%5Cb`, { kind: "not-found" }],
    ["encoded NUL", `/v1/links/${T}/a%00`, { kind: "not-found" }],
    ["bad percent escape", `/v1/links/${T}/a%zz`, { kind: "not-found" }],
    ["empty segment later", `/v1/links/${T}/a//b`, { kind: "not-found" }],
    ["seed form, a bad name", `/v1/links/${T}//..%2F/a`, { kind: "not-found" }],
    ["seed form, no name", `/v1/links/${T}//`, { kind: "not-found" }],
    [
      "seed form: an empty segment after the token, then the torrent's name",
      `/v1/links/${T}//Season%201/a/b.txt`,
      { kind: "match", token: T, segments: ["a", "b.txt"], folder: false, seedName: "Season 1" },
    ],
    [
      "seed form, the name alone",
      `/v1/links/${T}//a`,
      { kind: "match", token: T, segments: [], folder: false, seedName: "a" },
    ],
    ["dot segment", `/v1/links/${T}/./a`, { kind: "not-found" }],
    ["token alone", `/v1/links/${T}`, { kind: "not-found" }],
    ["no token", "/v1/links/", { kind: "not-found" }],
    ["no token, a name", "/v1/links//a.txt", { kind: "not-found" }],
    ["other route", "/v1/files/share/a", { kind: "outside" }],
    ["prefix without slash", "/v1/links", { kind: "outside" }],
    ["file", `/v1/links/${T}/a.txt`, { kind: "match", token: T, segments: ["a.txt"], folder: false }],
    [
      "file, query dropped",
      `/v1/links/${T}/a.txt?x=1`,
      { kind: "match", token: T, segments: ["a.txt"], folder: false },
    ],
    [
      "encoded name decoded once",
      `/v1/links/${T}/%C3%A9t%C3%A9%2520.txt`,
      { kind: "match", token: T, segments: ["été%20.txt"], folder: false },
    ],
    ["folder root", `/v1/links/${T}/`, { kind: "match", token: T, segments: [], folder: true }],
    ["sub-folder", `/v1/links/${T}/a/b/`, { kind: "match", token: T, segments: ["a", "b"], folder: true }],
    ["nested file", `/v1/links/${T}/a/b.txt`, { kind: "match", token: T, segments: ["a", "b.txt"], folder: false }],
  ];
  for (const [name, input, expected] of cases) test(name, () => assert.deepEqual(parseLinkPath(input), expected));
});

function target(text: string): LinkTarget {
  const parsed = parseLinkTarget(text);
  if (!parsed.ok) throw new Error(parsed.error);
  return parsed.value;
}

describe("resolveLinkResource", () => {
  const file = target("share/dir/a.txt");
  const folder = target("share/dir/");
  const cases: Array<[string, LinkTarget, string[], boolean, ReturnType<typeof resolveLinkResource>]> = [
    ["file link, another name", file, ["b.txt"], false, { kind: "not-found" }],
    ["file link, its name as a folder", file, ["a.txt"], true, { kind: "not-found" }],
    ["file link, a path below", file, ["a.txt", "x"], false, { kind: "not-found" }],
    ["file link, the bare base", file, [], true, { kind: "not-found" }],
    ["file link, the case changed", file, ["A.txt"], false, { kind: "not-found" }],
    ["folder link, the bare token", folder, [], false, { kind: "not-found" }],
    ["file link, its name", file, ["a.txt"], false, { kind: "file", itemId: "share/dir/a.txt" }],
    ["folder link, listing", folder, [], true, { kind: "listing", folderId: "share/dir", segments: [] }],
    ["folder link, sub-listing", folder, ["s"], true, { kind: "listing", folderId: "share/dir/s", segments: ["s"] }],
    ["folder link, a file", folder, ["s", "b.bin"], false, { kind: "file", itemId: "share/dir/s/b.bin" }],
  ];
  for (const [name, t, segments, isFolder, expected] of cases) {
    test(name, () => assert.deepEqual(resolveLinkResource(t, segments, isFolder), expected));
  }
  const seeds: Array<[string, LinkTarget, string, string[], boolean, ReturnType<typeof resolveLinkResource>]> = [
    ["seed form on a file link", file, "a.txt", ["a.txt"], false, { kind: "not-found" }],
    ["seed form, another folder's name", folder, "other", ["b.bin"], false, { kind: "not-found" }],
    ["seed form, a listing", folder, "dir", ["s"], true, { kind: "not-found" }],
    ["seed form, the name alone", folder, "dir", [], false, { kind: "not-found" }],
    ["seed form, a file", folder, "dir", ["s", "b.bin"], false, { kind: "file", itemId: "share/dir/s/b.bin" }],
  ];
  for (const [name, t, seedName, segments, isFolder, expected] of seeds) {
    test(name, () => assert.deepEqual(resolveLinkResource(t, segments, isFolder, seedName), expected));
  }
});

describe("parseLinkTarget", () => {
  const bad = [
    "",
    "share",
    "/share/a",
    "share/../a",
    "share//a",
    "share/a\\b",
    "../",
    "share/./",
    "share/a\u0000b",
    "x".repeat(5000),
  ];
  for (const text of bad)
    test(`refuses ${JSON.stringify(text.slice(0, 20))}`, () => assert.equal(parseLinkTarget(text).ok, false));
  test("a file", () =>
    assert.deepEqual(target("share/a b/c.txt"), { kind: "file", itemId: "share/a b/c.txt", name: "c.txt" }));
  test("a folder", () => assert.deepEqual(target("share/a/"), { kind: "folder", folderId: "share/a", name: "a" }));
  test("a whole share", () => assert.deepEqual(target("share/"), { kind: "folder", folderId: "share", name: "share" }));
});

describe("linkUrl", () => {
  test("a file name is percent-encoded", () =>
    assert.equal(linkUrl("http://h:1/", T, target("s/a #?%.txt")), `http://h:1/v1/links/${T}/a%20%23%3F%25.txt`));
  test("a folder ends with a slash", () =>
    assert.equal(linkUrl("https://x/p", T, target("s/d/")), `https://x/p/v1/links/${T}/`));
});
