/**
 * `peer ls`'s pure steps (cli/ls.ts) as tables: the [folder] argument (hostile text first), the
 * items' table and a folder's tree. The command against a real peer: ls-folder.test.ts, remote.test.ts.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { create } from "@bufbuild/protobuf";
import { timestampFromMs } from "@bufbuild/protobuf/wkt";
import { ItemSchema } from "../../gen/peer/v1/peer_pb.js";
import { CliError } from "../../cli/common.js";
import { folderIdArgument, folderTable, itemsTable } from "../../cli/ls.js";

test("folderIdArgument: table", () => {
  const cases: Array<[string, string | undefined, string | RegExp | undefined]> = [
    ["a control character", "media/\x1b[2J/", /holds a backslash or a control character/],
    ["a '..' segment", "media/../", /empty, '\.' or '\.\.' segment/],
    ["a leading /", "/media/", /starts with '\/'/],
    ["only a /", "/", /has no share name/],
    ["no trailing /: an item, not a folder", "media/film.mkv", /"media\/film\.mkv" is not a folder: end it with \//],
    [
      "a long non-folder is cut to 200 characters in the message",
      "x".repeat(300),
      new RegExp(`^"${"x".repeat(200)}" is`),
    ],
    ["no argument: the whole listing", undefined, undefined],
    ["a share", "media/", "media"],
    ["a nested folder with spaces", "media/Shows/Season 1/", "media/Shows/Season 1"],
  ];
  for (const [name, text, want] of cases) {
    if (want instanceof RegExp) {
      assert.throws(
        () => folderIdArgument(text),
        (e: unknown) => e instanceof CliError && e.exitCode === 2 && want.test(e.message),
        name,
      );
    } else {
      assert.equal(folderIdArgument(text), want, name);
    }
  }
});

const item = (id: string, size: bigint, extra: { isFolder?: boolean; modifiedMs?: number } = {}) =>
  create(ItemSchema, {
    id,
    size,
    isFolder: extra.isFolder ?? false,
    modified: extra.modifiedMs === undefined ? undefined : timestampFromMs(extra.modifiedMs),
  });

test("itemsTable and folderTable: a hostile id is escaped; folders end in / with no size", () => {
  assert.equal(
    itemsTable([item("media/\x1b[2Ja.mkv", 1024n), item("media/b.mkv", 5n, { modifiedMs: 1_700_000_000_123 })]),
    [
      "   SIZE  MODIFIED           ID",
      "1.0 KiB  -                  media/\\x1b[2Ja.mkv",
      "    5 B  2023-11-14 22:13Z  media/b.mkv",
      "",
    ].join("\n"),
  );
  assert.equal(
    folderTable("media/Shows", [item("media/Shows/S1", 0n, { isFolder: true }), item("media/Shows/S1/e1.mkv", 2048n)]),
    ["   SIZE  PATH", "      -  S1/", "2.0 KiB  S1/e1.mkv", ""].join("\n"),
  );
});
