import { test } from "node:test";
import assert from "node:assert/strict";
import {
  decideExisting,
  nameFromItemId,
  renameCandidate,
  type ExistingAction,
  type Found,
  type OnExisting,
} from "../../../client/transfer/existing-policy.js";

test("decideExisting: hostile states first, every mode", () => {
  const cases: Array<[string, OnExisting, Found, ExistingAction]> = [
    ["a link is refused by default", "refuse", "symlink", "refuse"],
    ["a directory is refused by default", "refuse", "not-a-file", "refuse"],
    ["a directory is never overwritten", "overwrite", "not-a-file", "refuse"],
    ["rename moves past a directory", "rename", "not-a-file", "next-name"],
    ["overwrite replaces a link itself", "overwrite", "symlink", "download"],
    ["rename moves past a link", "rename", "symlink", "next-name"],
    ["other content is refused by default", "refuse", "different", "refuse"],
    ["other content, overwrite", "overwrite", "different", "download"],
    ["other content, rename", "rename", "different", "next-name"],
    ["same content: already there (refuse)", "refuse", "same", "already-there"],
    ["same content: already there (overwrite)", "overwrite", "same", "already-there"],
    ["same content: already there (rename)", "rename", "same", "already-there"],
    ["maybe the same: the job proves it", "refuse", "maybe-same", "download"],
    ["maybe the same, rename", "rename", "maybe-same", "download"],
    ["nothing there", "refuse", "none", "download"],
    ["nothing there, rename", "rename", "none", "download"],
  ];
  for (const [name, mode, found, want] of cases) assert.equal(decideExisting(mode, found), want, name);
});

test("renameCandidate: browser-style names, within NAME_MAX", () => {
  const long = `${"é".repeat(125)}.txt`; // 254 bytes: the suffix would overflow 255
  const cases: Array<[string, string, number, string]> = [
    ["a long name keeps its extension and fits 255 bytes", long, 1, `${"é".repeat(123)} (1).txt`],
    ["a dotfile has no extension", ".bashrc", 1, ".bashrc (1)"],
    ["a compound extension stays together", "a.tar.gz", 1, "a (1).tar.gz"],
    ["a compound extension, upper case", "B.TAR.XZ", 2, "B (2).TAR.XZ"],
    ["only the last dot otherwise", "v1.2.zip", 1, "v1.2 (1).zip"],
    ["no extension", "README", 3, "README (3)"],
    ["plain", "notes.txt", 1, "notes (1).txt"],
    ["two digits", "notes.txt", 12, "notes (12).txt"],
    [".tar.gz alone is a dotfile", ".tar.gz", 1, ".tar (1).gz"],
  ];
  for (const [name, input, n, want] of cases) {
    const got = renameCandidate(input, n);
    assert.equal(got, want, name);
    assert.ok(Buffer.byteLength(got) <= 255, `${name}: ${Buffer.byteLength(got)} bytes`);
  }
});

test("nameFromItemId: the last segment of what was asked, checked", () => {
  const bad = ["share/..", "share/.", "share/", "..", "share/x.part", "share/ lead", "share/a\tb", "share/a\\b"];
  for (const id of bad) assert.ok("problem" in nameFromItemId(id), id);
  const good: Array<[string, string]> = [
    ["share/notes.txt", "notes.txt"],
    ["share/dir/sub/a.tar.gz", "a.tar.gz"],
    ["share/.bashrc", ".bashrc"],
    ["bare", "bare"],
  ];
  for (const [id, want] of good) assert.deepEqual(nameFromItemId(id), { name: want }, id);
});
