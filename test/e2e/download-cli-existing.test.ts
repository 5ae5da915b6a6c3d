/**
 * `peer get` with a file already at the destination, as a real child process: refused with
 * exit 1 and a message naming the file and both flags; `--rename` and `--overwrite`; both
 * together is a usage error (exit 2) that touches nothing.
 */
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { mkdir, readdir, readFile, writeFile } from "node:fs/promises";
import path from "node:path";
import { createPeerClient } from "../../client/index.js";
import { startTestPeer, type TestPeer } from "../helpers/peer-server.js";
import { runCli } from "../helpers/download-cli.js";
import { tempDir, waitFor } from "../helpers/download-fixtures.js";

let peer: TestPeer;
let work: { dir: string; remove: () => Promise<void> };
const data = randomBytes(200_000);

before(async () => {
  peer = await startTestPeer({ files: { "notes.txt": data } });
  work = await tempDir();
  const client = createPeerClient({ baseUrl: peer.url, apiKey: peer.key });
  try {
    await waitFor(
      async () => ((await client.statItem("share/notes.txt")).piecesRoot !== "" ? true : undefined),
      "root",
    );
  } finally {
    client.close();
  }
});
after(async () => {
  await peer.close();
  await work.remove();
});

test("peer get: refuse by default, --rename, --overwrite, already there, both flags a usage error", async () => {
  const cwd = path.join(work.dir, "cli");
  await mkdir(cwd);
  const env = { PEER_KEY: peer.key, PEER_DATA_DIR: path.join(work.dir, "cli-state") };
  const mine = path.join(cwd, "notes.txt");
  await writeFile(mine, "my own notes");

  const both = await runCli(["get", peer.url, "share/notes.txt", "--overwrite", "--rename"], { cwd, env });
  assert.equal(both.code, 2, both.stderr);
  assert.match(both.stderr, /--overwrite.*cannot be used with.*--rename|--rename.*cannot be used with.*--overwrite/);

  const refused = await runCli(["get", peer.url, "share/notes.txt"], { cwd, env });
  assert.equal(refused.code, 1, refused.stderr);
  const failed = refused.lines.find((l) => l.type === "failed") as { error: { code: string; message: string } };
  assert.equal(failed.error.code, "destination-exists");
  assert.match(failed.error.message, /notes\.txt.*--rename.*--overwrite/);
  assert.equal(await readFile(mine, "utf8"), "my own notes");

  const renamed = await runCli(["get", peer.url, "share/notes.txt", "--rename"], { cwd, env });
  assert.equal(renamed.code, 0, renamed.stderr);
  assert.deepEqual(await readFile(path.join(cwd, "notes (1).txt")), data);
  assert.equal(await readFile(mine, "utf8"), "my own notes");

  // Again with --rename: "notes (1).txt" is the same content, so it is already there.
  const again = await runCli(["get", peer.url, "share/notes.txt", "--rename"], { cwd, env });
  assert.equal(again.code, 0, again.stderr);
  const done = again.lines.find((l) => l.type === "completed") as { alreadyThere?: boolean; destination: string };
  assert.equal(done.alreadyThere, true);
  assert.equal(done.destination, path.join(cwd, "notes (1).txt"));
  assert.deepEqual((await readdir(cwd)).sort(), ["notes (1).txt", "notes.txt"]);

  const over = await runCli(["get", peer.url, "share/notes.txt", "--overwrite"], { cwd, env });
  assert.equal(over.code, 0, over.stderr);
  assert.deepEqual(await readFile(mine), data);
});
