/**
 * The hostile-peer suite (issue 19): a real peer behind a lying one (test/helpers/lying-peer.ts)
 * that lies in one field at a time. Each lie gets a clear error and leaves the disk as it was:
 * no destination written, no file outside the download directory touched.
 */
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { mkdir, readdir, readFile, stat, writeFile } from "node:fs/promises";
import path from "node:path";
import { createPeerClient, DownloadError } from "../../client/index.js";
import { startTestPeer, type TestPeer } from "../helpers/peer-server.js";
import { startLyingPeer, type LyingPeer } from "../helpers/lying-peer.js";
import { startManager, tempDir, waitFor } from "../helpers/download-fixtures.js";
import { spawnCli } from "../helpers/download-cli.js";

let peer: TestPeer;
let liar: LyingPeer;
let work: { dir: string; remove: () => Promise<void> };
const data = randomBytes(2 * 1024 * 1024 + 3);
const ESCAPES = "\u001b]0;pwned\u0007\u001b[2J\u001b[31mfake prompt$ \u202eexe.txt";

before(async () => {
  peer = await startTestPeer({ files: { "abc.txt": data } });
  liar = await startLyingPeer(peer.url);
  work = await tempDir();
  const client = createPeerClient({ baseUrl: peer.url, apiKey: peer.key });
  try {
    await waitFor(async () => ((await client.statItem("share/abc.txt")).piecesRoot !== "" ? true : undefined), "root");
  } finally {
    client.close();
  }
});
after(async () => {
  await liar.close();
  await peer.close();
  await work.remove();
});

/** A download directory holding the user's own `.bashrc`, to show it stays as it was. */
async function outDir(name: string): Promise<string> {
  const out = path.join(work.dir, name);
  await mkdir(out);
  await writeFile(path.join(out, ".bashrc"), "mine");
  return out;
}

async function assertUntouched(out: string): Promise<void> {
  assert.equal(await readFile(path.join(out, ".bashrc"), "utf8"), "mine");
  for (const f of await readdir(out)) {
    if (f === ".bashrc") continue;
    // A part file may be left (empty or with verified bytes); never a destination.
    assert.ok(f.endsWith(".part"), `unexpected ${f}`);
  }
  assert.deepEqual(await readdir(path.dirname(out)).then((l) => l.includes("abc.txt")), false);
}

for (const [what, lie] of [
  ["another name (.bashrc)", { kind: "name", name: ".bashrc" }],
  ["a name with ..", { kind: "name", name: "../abc.txt" }],
  ["another id", { kind: "id", id: "share/other.txt" }],
] as const) {
  test(`StatItem answers ${what}: wrong-item before any row or file`, async () => {
    const out = await outDir(`stat-${what.replace(/\W+/g, "-")}`);
    const tm = await startManager({ dataDir: `${out}-db`, downloadDir: out });
    liar.lie = lie;
    try {
      await assert.rejects(
        tm.m.enqueue({ url: liar.url, key: peer.key }, "share/abc.txt"),
        (e: unknown) =>
          e instanceof DownloadError && e.code === "wrong-item" && /asked for "share\/abc.txt"/.test(e.message),
      );
      assert.deepEqual(await tm.m.list(), []);
      assert.deepEqual(await readdir(out), [".bashrc"]);
      await assertUntouched(out);
    } finally {
      liar.lie = undefined;
      await tm.m.close();
    }
  });
}

async function runLying(name: string, lie: NonNullable<LyingPeer["lie"]>, verifyPieces = true) {
  const out = await outDir(name);
  const tm = await startManager({ dataDir: `${out}-db`, downloadDir: out, verifyPieces });
  try {
    liar.lie = undefined;
    const id = await tm.m.enqueue({ url: liar.url, key: peer.key }, "share/abc.txt");
    liar.lie = lie;
    const end = await tm.m.wait(id);
    return { out, end, tm };
  } finally {
    liar.lie = undefined;
    await tm.m.close();
  }
}

test("ReadFile answers for another name: the job fails with wrong-item, no destination", async () => {
  const { out, end } = await runLying("read-name", { kind: "read-name", name: ".bashrc" });
  assert.equal(end.status, "failed");
  assert.equal(end.error?.code, "wrong-item");
  assert.match(end.error?.message ?? "", /ReadFile answered/);
  await assertUntouched(out);
});

test("a piece count 1,000× too large: protocol-violation before paging or any part file", async () => {
  const { out, end, tm } = await runLying("count", { kind: "piece-count", factor: 1000 });
  assert.equal(end.status, "failed");
  assert.equal(end.error?.code, "protocol-violation");
  assert.match(end.error?.message ?? "", /pieces claimed where/);
  assert.equal(tm.of("started").length, 1, "not retried");
  assert.deepEqual(await readdir(out), [".bashrc"], "no part file");
  await assertUntouched(out);
});

for (const verifyPieces of [true, false]) {
  test(`more bytes than asked (${verifyPieces ? "pieces" : "whole-file"} path): refused, no destination`, async (t) => {
    const { out, end } = await runLying(`extra-${verifyPieces}`, { kind: "extra-bytes", bytes: 4096 }, verifyPieces);
    if (end.status === "completed") {
      // The pieces path may end its read once it holds the range it asked for, before the extra
      // message arrives: then every byte it kept was verified, and the file is exactly the peer's.
      assert.ok(verifyPieces, "the whole-file path reads to the end of the stream and must see the extra bytes");
      assert.deepEqual(await readFile(path.join(out, "abc.txt")), Buffer.from(data));
      assert.equal(await readFile(path.join(out, ".bashrc"), "utf8"), "mine");
      return;
    }
    assert.ok(end.error !== null);
    t.diagnostic(`${end.status}: ${end.error.code}: ${end.error.message}`);
    await assertUntouched(out);
    const part = path.join(out, "abc.txt.part");
    const size = await stat(part).then(
      (s) => s.size,
      () => 0,
    );
    assert.ok(size <= data.length, "nothing past the end of the file was written");
  });
}

test("escape sequences in a peer's error: peer get (JSON and terminal) and peer torrent print them escaped", async () => {
  const cwd = await outDir("escapes");
  liar.lie = { kind: "error", message: ESCAPES };
  try {
    const env = { PEER_KEY: peer.key, PEER_DATA_DIR: `${cwd}-db` };
    const json = await spawnCli(["get", liar.url, "share/abc.txt"], { cwd, env }).done;
    assert.equal(json.code, 1);
    for (const text of [json.stdout, json.stderr]) assert.doesNotMatch(text, /[\u001b\u0007\u202e]/);
    const failed = json.lines.find((l) => l.type === "failed") as { error: { message: string } } | undefined;
    assert.ok(failed?.error.message.includes("\u001b]0;pwned"), "JSON keeps the text, as JSON escapes");
    const torrent = await spawnCli(["torrent", liar.url, "share/abc.txt", "--key", peer.key], { cwd }).done;
    assert.equal(torrent.code, 1);
    assert.doesNotMatch(torrent.stderr, /[\u001b\u0007\u202e]/);
    assert.match(torrent.stderr, /\\x1b\]0;pwned\\x07/);
    // A terminal (a pty from util-linux script): progress lines and errors through printable().
    const tty = await spawnCli(["get", liar.url, "share/abc.txt"], { cwd, env, pty: true }).done;
    assert.match(tty.stdout, /\\x1b\[2J/, tty.stdout);
    assert.doesNotMatch(tty.stdout, /\u001b\[2J|\u001b\[31m|\u001b\]0;|\u0007|\u202e/);
  } finally {
    liar.lie = undefined;
  }
  await assertUntouched(cwd);
});
