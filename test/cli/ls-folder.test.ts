/**
 * `peer ls <peer> <share>/<folder>/` against a real peer, run as a child
 * process: the folder's tree (relative paths, sizes, empty folders with a
 * trailing /), bidi overrides escaped (control characters are never listed), --json, and clear errors.
 */
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { mkdir, mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { parseFolderArgument, relativeToFolder } from "../../cli/folder-argument.js";
import { startTestPeer, type TestPeer } from "../helpers/peer-server.js";
import { runPeer } from "./run-peer.js";

let peer: TestPeer;
let cwd: string;
before(async () => {
  peer = await startTestPeer({
    files: {
      "Shows/S1/e01.mkv": "x".repeat(1536),
      "Shows/S1/sub dir/a b.txt": "ab",
      "Shows/S1/evil\u202etxt.exe": "e",
      "Shows/top.txt": "t",
      "Other/o.txt": "o",
    },
  });
  await mkdir(path.join(peer.shareDir, "Shows", "Empty"));
  cwd = await mkdtemp(path.join(os.tmpdir(), "peer-ls-folder-"));
});
after(async () => {
  await peer.close();
  await rm(cwd, { recursive: true, force: true });
});

test("prints the folder's tree: relative paths, sizes, empty folders, escaped names", async () => {
  const r = await runPeer(["ls", peer.url, "share/Shows/"], { cwd, env: { PEER_KEY: peer.key } });
  assert.equal(r.code, 0, r.stderr);
  const lines = r.stdout.trimEnd().split("\n");
  assert.match(lines[0] ?? "", /^\s*SIZE\s+PATH$/);
  assert.deepEqual(
    lines.slice(1).map((l) => l.trim().replace(/\s{2,}/, " | ")),
    ["- | Empty/", "1.5 KiB | S1/e01.mkv", "1 B | S1/evil\\u202etxt.exe", "2 B | S1/sub dir/a b.txt", "1 B | top.txt"],
  );
  assert.ok(!r.stdout.includes("\u202e"), "no raw bidi override reaches the terminal");
});

test("--json: one object per item with path and isFolder", async () => {
  const r = await runPeer(["ls", peer.url, "share/Shows/S1/", "--json"], { cwd, env: { PEER_KEY: peer.key } });
  assert.equal(r.code, 0, r.stderr);
  const rows = r.stdout
    .trimEnd()
    .split("\n")
    .map((l) => JSON.parse(l) as { id: string; path: string; size: number; isFolder: boolean });
  assert.deepEqual(
    rows.map((x) => [x.path, x.size, x.isFolder]),
    [
      ["e01.mkv", 1536, false],
      ["evil\u202etxt.exe", 1, false],
      ["sub dir/a b.txt", 2, false],
    ],
  );
  assert.equal(rows[0]?.id, "share/Shows/S1/e01.mkv");
});

test("an unknown folder exits 1 naming it; a bad folder argument exits 2", async () => {
  const missing = await runPeer(["ls", peer.url, "share/Nope/"], { cwd, env: { PEER_KEY: peer.key } });
  assert.equal(missing.code, 1);
  assert.match(missing.stderr, /folder "share\/Nope" not found/);
  const bad = await runPeer(["ls", peer.url, "share/../x/"], { cwd, env: { PEER_KEY: peer.key } });
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /not a folder.*<share>\/<folder>\//);
  const noSlash = await runPeer(["ls", peer.url, "share/Shows"], { cwd, env: { PEER_KEY: peer.key } });
  assert.equal(noSlash.code, 2);
  assert.match(noSlash.stderr, /end it with \//);
});

const argumentCases: Array<[string, string, string | RegExp | undefined]> = [
  ["dot-dot segment", "share/../x/", /'\.\.'/],
  ["absolute", "/share/x/", /starts with/],
  ["control character", "share/\u0000/", /control/],
  ["backslash", "share\\x/", /backslash/],
  ["empty segment", "share//x/", /empty/],
  ["only a slash", "/", /no share/],
  ["no trailing slash: an item", "share/x", undefined],
  ["a share", "share/", "share"],
  ["a nested folder with spaces", "share/Season 1/", "share/Season 1"],
];
for (const [name, input, expected] of argumentCases) {
  test(`parseFolderArgument: ${name}`, () => {
    const parsed = parseFolderArgument(input);
    if (expected === undefined) assert.equal(parsed, undefined);
    else if (typeof expected === "string") assert.deepEqual(parsed, { folderId: expected });
    else assert.match(parsed !== undefined && "error" in parsed ? parsed.error : "", expected);
  });
}

test("relativeToFolder", () => {
  assert.equal(relativeToFolder("share/a", "share/a/b/c.txt"), "b/c.txt");
  assert.equal(relativeToFolder("share/a", "share/ab/c.txt"), "share/ab/c.txt");
});
