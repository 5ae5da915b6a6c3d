import { strict as assert } from "node:assert";
import { describe, it } from "node:test";
import { checkRelativePath, findCollisions, foldName } from "../../../client/folder/relative-path.js";

const long = "a".repeat(256);
const refused: Array<[string, string, RegExp]> = [
  ["parent escape", "../etc/passwd", /"\.\." component/],
  ["parent in the middle", "a/../../b", /"\.\." component/],
  ["parent at the end", "a/..", /"\.\." component/],
  ["absolute", "/etc/passwd", /absolute path/],
  ["drive letter", "C:/Windows/x", /drive letter/],
  ["drive letter relative", "c:x", /drive letter/],
  ["backslash", "a\\b.txt", /backslash/],
  ["backslash parent", "..\\..\\x", /backslash/],
  ["NUL", "a/b\0.txt", /NUL/],
  ["newline", "a/b\n.txt", /control characters/],
  ["escape", "a/\u001b[31mred", /control characters/],
  ["DEL", "a/\u007f", /control characters/],
  ["empty", "", /empty path/],
  ["empty component", "a//b", /empty path component/],
  ["trailing slash", "a/b/", /empty path component/],
  ["dot", "./a", /"\." component/],
  ["dot in the middle", "a/./b", /"\." component/],
  ["part file", "a/b.txt.part", /\.part/],
  ["part folder", "x.part/b.txt", /\.part/],
  ["component too long", `a/${long}`, /longer than 255 bytes/],
  ["multibyte too long", `${"é".repeat(128)}`, /longer than 255 bytes/],
  ["leading space", " a/b", /white space/],
  ["trailing space", "a /b", /white space/],
  ["too deep", Array.from({ length: 65 }, () => "d").join("/"), /deeper than 64/],
  ["path too long", Array.from({ length: 20 }, () => "x".repeat(200)).join("/"), /path longer than/],
];

const accepted: Array<[string, string, number]> = [
  ["plain", "a.txt", 1],
  ["nested", "Season 1/Episode 01.mkv", 2],
  ["unicode NFC", "caf\u00e9/r\u00e9sum\u00e9.txt", 2],
  ["unicode NFD", "cafe\u0301/re\u0301sume\u0301.txt", 2],
  ["dots inside", "a..b/..c/d..", 3],
  ["hidden file", ".config/.hidden", 2],
  ["255 bytes", "a".repeat(255), 1],
  ["part not at the end", "a.part.txt", 1],
  ["deep", Array.from({ length: 64 }, () => "d").join("/"), 64],
  ["emoji", "\u{1f600}/x", 2],
];

describe("checkRelativePath", () => {
  for (const [name, rel, reason] of refused) {
    it(`refuses: ${name}`, () => {
      const r = checkRelativePath(rel);
      assert.equal(r.ok, false);
      if (!r.ok) assert.match(r.reason, reason);
    });
  }
  for (const [name, rel, depth] of accepted) {
    it(`accepts: ${name}`, () => {
      const r = checkRelativePath(rel);
      assert.ok(r.ok, JSON.stringify(r));
      if (r.ok) assert.equal(r.components.length, depth);
    });
  }
});

describe("findCollisions", () => {
  const cases: Array<[string, Array<[string, "file" | "folder"]>, Record<string, RegExp>]> = [
    [
      "case sibling",
      [
        ["a/Readme.txt", "file"],
        ["a/README.txt", "file"],
      ],
      { "a/README.txt": /differs only in case/ },
    ],
    [
      "case folder",
      [
        ["A/x", "file"],
        ["a/y", "file"],
      ],
      { "a/y": /differs only in case from "A"/ },
    ],
    [
      "NFC vs NFD sibling",
      [
        ["caf\u00e9", "file"],
        ["cafe\u0301", "file"],
      ],
      { "cafe\u0301": /differs only/ },
    ],
    [
      "file vs folder",
      [
        ["a", "file"],
        ["a/b", "file"],
      ],
      { "a/b": /both a file and a folder/ },
    ],
    [
      "folder vs file",
      [
        ["a/b", "file"],
        ["a", "file"],
      ],
      { a: /both a file and a folder/ },
    ],
    [
      "twice",
      [
        ["a/b", "file"],
        ["a/b", "file"],
      ],
      { "a/b": /listed twice/ },
    ],
    [
      "same name, other folders",
      [
        ["x/Readme", "file"],
        ["y/README", "file"],
      ],
      {},
    ],
    [
      "empty folder and its file",
      [
        ["e", "folder"],
        ["e/f", "file"],
      ],
      {},
    ],
    [
      "NFC and NFD in other folders",
      [
        ["1/caf\u00e9", "file"],
        ["2/cafe\u0301", "file"],
      ],
      {},
    ],
  ];
  for (const [name, entries, expected] of cases) {
    it(name, () => {
      const got = findCollisions(entries.map(([path, kind]) => ({ path, kind })));
      assert.deepEqual([...got.keys()].sort(), Object.keys(expected).sort());
      for (const [p, re] of Object.entries(expected)) assert.match(got.get(p) ?? "", re);
    });
  }
  it("folds NFC and case", () => assert.equal(foldName("CAFE\u0301"), foldName("caf\u00e9")));
});
