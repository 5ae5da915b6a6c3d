/**
 * `peer get <peer> <share>/<folder>/` when files of the tree are already there with other content
 * (docs/downloads.md "Safe writes", "Folder jobs"): never clobbered by default (that file fails, the
 * rest of the folder lands), `--rename` keeps both (`name (1).ext`), `--overwrite` replaces — for
 * fetched files and for files copied from an earlier download alike.
 */
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { mkdir, readFile, writeFile } from "node:fs/promises";
import path from "node:path";
import { startTestPeer, type TestPeer } from "../helpers/peer-server.js";
import { runCli } from "../helpers/download-cli.js";
import { tempDir } from "../helpers/download-fixtures.js";
import { waitHashed } from "../helpers/folder-peer.js";

let peer: TestPeer;
let work: { dir: string; remove: () => Promise<void> };
const files: Record<string, Buffer> = {
  "Tree/a.txt": randomBytes(70_000),
  "Tree/sub/b.bin": randomBytes(90_000),
  "Tree/sub/c.bin": randomBytes(50_000),
};
const mine = Buffer.from("my own notes, not the peer's\n");

before(async () => {
  peer = await startTestPeer({ files });
  await waitHashed(peer.url, peer.key, "share/Tree");
  work = await tempDir();
});
after(async () => {
  await peer.close();
  await work.remove();
});

/** `<cwd>/<out>/Tree/<rel>` with my own bytes in it. */
async function plant(cwd: string, out: string, rel: string): Promise<string> {
  const file = path.join(cwd, out, "Tree", ...rel.split("/"));
  await mkdir(path.dirname(file), { recursive: true });
  await writeFile(file, mine);
  return file;
}

const envFor = (cwd: string) => ({ PEER_KEY: peer.key, PEER_DATA_DIR: path.join(cwd, "state") });

test("default, then --rename, then --overwrite: fetched files and reused copies alike", async () => {
  const cwd = path.join(work.dir, "modes");
  await mkdir(cwd, { recursive: true });
  const env = envFor(cwd);
  const a = await plant(cwd, "out", "a.txt");

  const refused = await runCli(["get", peer.url, "share/Tree/", "--json", "--out", "out"], { cwd, env });
  assert.notEqual(refused.code, 0, "a file left alone is not a finished folder");
  const summary = refused.lines.find((l) => l.type === "folder-summary") as
    | { failed: Array<{ path: string; code: string }>; completed: number }
    | undefined;
  assert.deepEqual(
    summary?.failed.map((f) => [f.path, f.code]),
    [["a.txt", "destination-exists"]],
  );
  assert.equal(summary?.completed, 2, "the rest of the folder landed");
  assert.deepEqual(await readFile(a), mine, "never clobbered by default");

  // The same command with --rename: the failed file is retried and lands next to mine.
  const renamed = await runCli(["get", peer.url, "share/Tree/", "--json", "--out", "out", "--rename"], { cwd, env });
  assert.equal(renamed.code, 0, renamed.stderr);
  assert.deepEqual(await readFile(a), mine);
  assert.deepEqual(await readFile(path.join(cwd, "out/Tree/a (1).txt")), files["Tree/a.txt"]);

  // Another --out with my own sub/b.bin: the other files are copied from the first download (reuse).
  const b = await plant(cwd, "copy", "sub/b.bin");
  const copyArgs = ["get", peer.url, "share/Tree/", "--json", "--out", "copy"];
  const reuseRefused = await runCli(copyArgs, { cwd, env });
  assert.notEqual(reuseRefused.code, 0);
  const again = reuseRefused.lines.find((l) => l.type === "folder-summary") as
    | { failed: Array<{ path: string; code: string }>; reused: { files: number } }
    | undefined;
  assert.deepEqual(
    again?.failed.map((f) => [f.path, f.code]),
    [["sub/b.bin", "destination-exists"]],
  );
  assert.equal(again?.reused.files, 2, "the others were copied");
  assert.deepEqual(await readFile(b), mine, "a reused copy never clobbers either");

  const reuseRenamed = await runCli([...copyArgs, "--rename"], { cwd, env });
  assert.equal(reuseRenamed.code, 0, reuseRenamed.stderr);
  assert.deepEqual(await readFile(b), mine);
  assert.deepEqual(await readFile(path.join(cwd, "copy/Tree/sub/b (1).bin")), files["Tree/sub/b.bin"]);

  // --overwrite, fetched (a new --data-dir: nothing to reuse) and reused (the first state).
  const c = await plant(cwd, "over", "sub/c.bin");
  const fresh = { ...env, PEER_DATA_DIR: path.join(cwd, "state-2") };
  const over = await runCli(["get", peer.url, "share/Tree/", "--json", "--out", "over", "--overwrite"], {
    cwd,
    env: fresh,
  });
  assert.equal(over.code, 0, over.stderr);
  assert.equal(over.lines.filter((l) => l.type === "started").length, 3, "every file fetched");
  assert.deepEqual(await readFile(c), files["Tree/sub/c.bin"]);
  const d = await plant(cwd, "over-reused", "sub/c.bin");
  const overReused = await runCli(["get", peer.url, "share/Tree/", "--json", "--out", "over-reused", "--overwrite"], {
    cwd,
    env,
  });
  assert.equal(overReused.code, 0, overReused.stderr);
  assert.equal(overReused.lines.filter((l) => l.type === "started").length, 0, "every file reused");
  assert.deepEqual(await readFile(d), files["Tree/sub/c.bin"]);
});
