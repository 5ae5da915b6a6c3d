/**
 * `peer get <peer> <share>/<folder>/` as a real child process (docs/downloads.md "Folder jobs"):
 * kill -9 mid-folder, then the same command → a byte-identical tree (`diff -r`); the folder is one
 * line of `peer downloads list`; an id that is a folder (no trailing /) is a folder too.
 */
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdir } from "node:fs/promises";
import path from "node:path";
import { promisify } from "node:util";
import { startTestPeer, type TestPeer } from "../helpers/peer-server.js";
import { startTcpProxy } from "../helpers/proxy-tcp.js";
import { runCli, spawnCli } from "../helpers/download-cli.js";
import { tempDir, waitFor } from "../helpers/download-fixtures.js";
import { waitHashed } from "../helpers/folder-peer.js";

const run = promisify(execFile);
let peer: TestPeer;
let work: { dir: string; remove: () => Promise<void> };
const files: Record<string, Buffer> = {};
for (let i = 0; i < 8; i++) files[`Tree/Disc ${i % 3}/track ${i}.flac`] = randomBytes(600_000 + i * 1000);
files["Tree/Disc 0/same.bin"] = randomBytes(700_000);
files["Tree/Disc 2/same copy.bin"] = files["Tree/Disc 0/same.bin"] as Buffer;
files["Tree/\u00e9t\u00e9/no\u0308el.txt"] = Buffer.from("unicode");

before(async () => {
  peer = await startTestPeer({ files });
  await mkdir(path.join(peer.shareDir, "Tree/Empty"), { recursive: true });
  await waitHashed(peer.url, peer.key, "share/Tree");
  work = await tempDir();
});
after(async () => {
  await peer.close();
  await work.remove();
});

test("kill -9 mid-folder, then the same command: a byte-identical tree, one folder line", async (t) => {
  const cwd = path.join(work.dir, "kill");
  await mkdir(cwd, { recursive: true });
  const env = { PEER_KEY: peer.key, PEER_DATA_DIR: path.join(cwd, "state") };
  const proxy = await startTcpProxy({ targetPort: Number(new URL(peer.url).port), bytesPerSecond: 1024 * 1024 });
  t.after(() => proxy.close());
  const args = ["get", proxy.url, "share/Tree/", "--json", "--out", "out"];
  const first = spawnCli(args, { cwd, env });
  await waitFor(() => (first.lines.some((l) => l.type === "completed") ? true : undefined), "a file done", 120_000);
  first.child.kill("SIGKILL");
  assert.equal((await first.done).signal, "SIGKILL");
  proxy.setRate(undefined);
  const second = await runCli(args, { cwd, env });
  assert.equal(second.code, 0, second.stderr);
  const summary = second.lines.find((l) => l.type === "folder-summary");
  assert.equal(summary?.status, "completed");
  assert.equal(summary?.files, 11);
  await run("diff", ["-r", path.join(peer.shareDir, "Tree"), path.join(cwd, "out", "Tree")]);

  const list = await runCli(["downloads", "list", "--json"], { cwd, env });
  assert.equal(list.code, 0, list.stderr);
  assert.equal(list.lines.length, 1, "the folder is one line");
  assert.equal(list.lines[0]?.type, "folder");
  assert.equal(list.lines[0]?.completed, 11);
  const text = await runCli(["downloads", "list"], { cwd, env });
  assert.match(text.stdout, /share\/Tree\/ \(11 of 11 files\)/);
  const show = await runCli(["downloads", "show", String(list.lines[0]?.id).slice(0, 8)], { cwd, env });
  assert.match(show.stdout, /11 of 11 in place/);
});

test("an id that is a folder, without the trailing /, into another directory: everything reused", async () => {
  const cwd = path.join(work.dir, "again");
  await mkdir(cwd, { recursive: true });
  const env = { PEER_KEY: peer.key, PEER_DATA_DIR: path.join(work.dir, "kill", "state") };
  const r = await runCli(["get", peer.url, "share/Tree", "--json", "--out", "copy"], { cwd, env });
  assert.equal(r.code, 0, r.stderr);
  const summary = r.lines.find((l) => l.type === "folder-summary") as { reused: { files: number } } | undefined;
  assert.equal(summary?.reused.files, 11);
  assert.equal(r.lines.filter((l) => l.type === "started").length, 0, "nothing fetched");
  await run("diff", ["-r", path.join(peer.shareDir, "Tree"), path.join(cwd, "copy", "Tree")]);
});
