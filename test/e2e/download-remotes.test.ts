/**
 * Remotes and the first lookup, end to end with real child processes:
 * `peer get <remote>` stores only the key's fingerprint and `peer downloads
 * run` finds the key among the remotes; a peer that starts listening after
 * `peer get` started is waited for (retried), Ctrl-C stops that wait, and a
 * refused key still fails at once.
 */
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { mkdir, readdir, readFile, writeFile } from "node:fs/promises";
import net from "node:net";
import path from "node:path";
import Database from "better-sqlite3";
import { keyRef } from "../../client/remotes/key-ref.js";
import { startTestPeer, type TestPeer } from "../helpers/peer-server.js";
import { startThrottleProxy } from "../../bench/throttle-proxy.js";
import { spawnCli, runCli } from "../helpers/download-cli.js";
import { tempDir, waitFor } from "../helpers/download-fixtures.js";
import { startPeer } from "../cli/run-peer.js";

let peer: TestPeer;
let work: { dir: string; remove: () => Promise<void> };
const big = randomBytes(6 * 1024 * 1024);
const small = randomBytes(200_000);

before(async () => {
  peer = await startTestPeer({ files: { "big.bin": big, "small.bin": small } });
  work = await tempDir();
});
after(async () => {
  await peer.close();
  await work.remove();
});

async function dirs(name: string) {
  const cwd = path.join(work.dir, name);
  await mkdir(cwd, { recursive: true });
  return { cwd, state: path.join(cwd, "state") };
}

/** A port nobody listens on (yet): bound, then released. */
async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

test("peer get <remote>, interrupted; peer downloads run without any --key finds the remote's key by fingerprint", {
  timeout: 600_000,
}, async (t) => {
  const { cwd, state } = await dirs("run");
  const proxy = await startThrottleProxy({
    targetPort: Number(new URL(peer.url).port),
    downBytesPerSecond: 512 * 1024,
  });
  t.after(() => proxy.close());
  const env = { PEER_DATA_DIR: state };
  const add = spawnCli(["remote", "add", "nas", proxy.url, "--key-stdin"], { cwd, env });
  add.child.stdin.end(peer.key);
  assert.equal((await add.done).code, 0);

  const get = spawnCli(["get", "nas", "share/big.bin", "--json"], { cwd, env });
  await waitFor(() => get.lines.find((l) => l.type === "progress" && Number(l.bytes) > 0), "progress", 120_000);
  get.child.kill("SIGINT");
  const interrupted = await get.done;
  assert.equal(interrupted.code, 130, interrupted.stderr);

  const db = new Database(path.join(state, "downloads.db"), { readonly: true });
  try {
    const rows = db.prepare("select * from download").all() as Array<Record<string, unknown>>;
    assert.equal(rows.length, 1);
    assert.equal(rows[0]!.key_ref, keyRef(peer.key), "the job keeps the key's fingerprint");
    assert.equal(rows[0]!.peer_url, proxy.url, "and the remote's URL");
    assert.ok(!JSON.stringify(rows).includes(peer.key.slice(22)), "never the key");
  } finally {
    db.close();
  }
  for (const f of await readdir(state)) {
    if (f.startsWith("downloads.db"))
      assert.ok(!(await readFile(path.join(state, f))).includes(peer.key), `${f} holds no key`);
  }

  proxy.setRate({ down: undefined });
  const run = await runCli(["downloads", "run", "--json"], { cwd, env });
  assert.equal(run.code, 0, run.stderr);
  assert.ok(run.lines.some((l) => l.type === "completed"));
  assert.deepEqual(await readFile(path.join(cwd, "big.bin")), big);
  assert.ok(!run.stdout.includes(peer.key) && !run.stderr.includes(peer.key));
});

test("a peer that starts listening after peer get started: the refused first lookup is retried, then the file arrives", {
  timeout: 600_000,
}, async (t) => {
  const { cwd, state } = await dirs("late");
  await mkdir(path.join(cwd, "shared"));
  await writeFile(path.join(cwd, "shared", "late.bin"), small);
  const made = await runCli(["keys", "create", "--name", "late", "--json", "--data-dir", "srv"], { cwd });
  assert.equal(made.code, 0, made.stderr);
  const key = String(made.lines[0]!.key);
  const port = await freePort();

  const get = spawnCli(["get", `http://127.0.0.1:${port}`, "late/late.bin", "--json", "--out", "files"], {
    cwd,
    env: { PEER_KEY: key, PEER_DATA_DIR: state },
  });
  const retrying = await waitFor(() => get.lines.find((l) => l.type === "retrying"), "a retrying line", 120_000);
  assert.equal(retrying.itemId, "late/late.bin");
  assert.match(String((retrying.error as { code: string }).code), /^(network|unavailable)$/);
  assert.ok(Number(retrying.delayMs) >= 0);

  const serve = startPeer(
    ["serve", "--share", "late=shared", "--listen", `127.0.0.1:${port}`, "--data-dir", "srv", "--log-level", "warn"],
    {
      cwd,
      timeoutMs: 600_000,
    },
  );
  t.after(() => serve.stop("SIGKILL"));
  await serve.waitForStdout(/^Listening on /m, 120_000);

  const r = await get.done;
  assert.equal(r.code, 0, r.stderr);
  assert.ok(!r.lines.some((l) => l.type === "failed"), "the refusal was not a failure of the run");
  assert.ok(r.lines.some((l) => l.type === "completed"));
  assert.deepEqual(await readFile(path.join(cwd, "files", "late.bin")), small);
});

test("Ctrl-C while waiting for an unreachable peer exits 130; a refused key fails at once without retrying", {
  timeout: 600_000,
}, async () => {
  const { cwd, state } = await dirs("stop");
  const port = await freePort();
  const waiting = spawnCli(["get", `http://127.0.0.1:${port}`, "share/small.bin", "--json"], {
    cwd,
    env: { PEER_KEY: peer.key, PEER_DATA_DIR: state },
  });
  const wrongKey = runCli(["get", peer.url, "share/small.bin", "--json"], {
    cwd,
    env: { PEER_KEY: `peer_${"0".repeat(16)}_${"A".repeat(43)}`, PEER_DATA_DIR: path.join(cwd, "state2") },
  });
  await waitFor(() => waiting.lines.find((l) => l.type === "retrying"), "a retrying line", 120_000);
  waiting.child.kill("SIGINT");
  const stopped = await waiting.done;
  assert.equal(stopped.code, 130, stopped.stderr);
  assert.match(stopped.stderr, /interrupted/);
  assert.ok(!stopped.lines.some((l) => l.type === "failed"), "an interrupted wait is not a failure");

  const refused = await wrongKey;
  assert.equal(refused.code, 1, refused.stderr);
  assert.ok(!refused.lines.some((l) => l.type === "retrying"), "a permanent error is not retried");
  const failed = refused.lines.find((l) => l.type === "failed");
  assert.equal((failed?.error as { code: string } | undefined)?.code, "unauthenticated");
});
