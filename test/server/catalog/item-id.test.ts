import { test } from "node:test";
import assert from "node:assert/strict";
import { MAX_ITEM_ID_LENGTH, parseItemId } from "../../../server/catalog/item-id.js";

test("parseItemId: hostile ids first", () => {
  const refused = [
    "",
    "share",
    "share/",
    "/share/a",
    "share//a",
    "share/a/",
    "share/./a",
    "share/../a",
    "share/a/..",
    "../share/a",
    "./a",
    "share/a\\..\\b",
    "share\\a",
    "share/a\u0000b",
    "share/a\nb",
    "share/a\u007fb",
    "share/" + "a".repeat(MAX_ITEM_ID_LENGTH),
  ];
  for (const id of refused) assert.equal(parseItemId(id), undefined, JSON.stringify(id.slice(0, 40)));
});

test("parseItemId: ordinary ids", () => {
  const cases: Array<[string, string, string[]]> = [
    ["share/a", "share", ["a"]],
    ["media/films/a.mkv", "media", ["films", "a.mkv"]],
    ["s/%2e%2e", "s", ["%2e%2e"]], // already decoded once: a literal name
    ["s/...", "s", ["..."]],
    ["s/.hidden", "s", [".hidden"]],
    ["s/名前 with space.txt", "s", ["名前 with space.txt"]],
  ];
  for (const [id, share, segments] of cases) assert.deepEqual(parseItemId(id), { share, segments }, id);
});
