/** The folder of a multi-file torrent on a remote: pure rules, hostile inputs first. */
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { commonFolderId, filesToCheck, folderIdOf } from "../../service/torrent-folder.js";

describe("folderIdOf", () => {
  const cases: Array<[string, string, string[], string | undefined]> = [
    ["a '..' segment never matches", "share/x/../a.txt", ["..", "a.txt"], undefined],
    ["a segment with a slash never matches", "share/x/a/b", ["a/b"], undefined],
    ["an empty segment never matches", "share/x//a", ["", "a"], undefined],
    ["no path", "share/x/a", [], undefined],
    ["the whole id is the path (no folder left)", "a.txt", ["a.txt"], undefined],
    ["a name that only ends like the file", "share/x/ba.txt", ["a.txt"], undefined],
    ["another file", "share/x/b.txt", ["a.txt"], undefined],
    ["a file at the folder's top", "share/Show/e1.mkv", ["e1.mkv"], "share/Show"],
    ["a file in a subfolder", "share/Show/extras/e1.nfo", ["extras", "e1.nfo"], "share/Show"],
    ["a share's root as the folder", "share/e1.mkv", ["e1.mkv"], "share"],
  ];
  for (const [name, itemId, rel, expected] of cases) test(name, () => assert.equal(folderIdOf(itemId, rel), expected));
});

describe("filesToCheck", () => {
  const file = (i: number, root = true) => ({ path: [`f${i}`], length: 1, piecesRoot: root ? `${i}` : undefined });
  test("empty files (no pieces root) are left out", () =>
    assert.deepEqual(
      filesToCheck([file(0, false), file(1)]).map((f) => f.path[0]),
      ["f1"],
    ));
  test("all of a few files", () => assert.equal(filesToCheck([file(0), file(1), file(2)], 8).length, 3));
  test("many files: at most max, first and last included", () => {
    const picked = filesToCheck(
      Array.from({ length: 100 }, (_, i) => file(i)),
      8,
    ).map((f) => f.path[0]);
    assert.equal(picked.length, 8);
    assert.equal(picked[0], "f0");
    assert.equal(picked.at(-1), "f99");
  });
});

describe("commonFolderId", () => {
  const checked = [{ path: ["e1.mkv"] }, { path: ["extras", "e1.nfo"] }];
  const cases: Array<[string, string[][], string | undefined]> = [
    ["no holders", [[], []], undefined],
    ["the second file is elsewhere", [["share/A/e1.mkv"], ["share/B/extras/e1.nfo"]], undefined],
    ["the second file is missing", [["share/A/e1.mkv"], []], undefined],
    ["holders not one per file", [["share/A/e1.mkv"]], undefined],
    ["one folder explains both", [["share/A/e1.mkv"], ["share/A/extras/e1.nfo"]], "share/A"],
    [
      "the first file in two folders: the one holding the others wins",
      [
        ["share/B/e1.mkv", "share/A/e1.mkv"],
        ["share/A/extras/e1.nfo", "other/extras/e1.nfo"],
      ],
      "share/A",
    ],
  ];
  for (const [name, holders, expected] of cases)
    test(name, () => assert.equal(commonFolderId(checked, holders), expected));
});
