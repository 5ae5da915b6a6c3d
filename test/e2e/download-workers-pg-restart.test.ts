/**
 * A PostgreSQL restart in the middle of a run: the workers lose every connection,
 * report it, reconnect, and finish every file exactly once, byte-identical.
 */
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { mkdir, readFile } from "node:fs/promises";
import path from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { after, before, describe, test } from "node:test";
import { runCli, spawnCli } from "../helpers/download-cli.js";
import { sha256, tempDir, waitFor } from "../helpers/download-fixtures.js";
import { startTestPeer, type TestPeer } from "../helpers/peer-server.js";
import { startPrivateCluster, type PrivateCluster } from "../helpers/pg-cluster.js";
import { pgSkipReason } from "../helpers/pg.js";
import { startTcpProxy, type TcpProxy } from "../helpers/proxy-tcp.js";

const FILES = 10;

describe("a PostgreSQL restart mid-run", { skip: pgSkipReason(), timeout: 600_000 }, () => {
  let peer: TestPeer;
  let proxy: TcpProxy;
  let cluster: PrivateCluster;
  let work: { dir: string; remove: () => Promise<void> };
  const files: Record<string, Buffer> = {};
  for (let i = 0; i < FILES; i++) files[`r${i}.bin`] = randomBytes(768 * 1024);

  before(async () => {
    peer = await startTestPeer({ files });
    // Slow enough that the restart lands while files are in flight.
    proxy = await startTcpProxy({ targetPort: Number(new URL(peer.url).port), bytesPerSecond: 384 * 1024 });
    cluster = await startPrivateCluster();
    work = await tempDir("peer-pg-restart-");
  });
  after(async () => {
    await proxy?.close();
    await peer?.close();
    await cluster?.remove();
    await work?.remove();
  });

  test("the workers reconnect and finish every file exactly once", async () => {
    const out = path.join(work.dir, "out");
    await mkdir(out);
    const env = { PEER_KEY: peer.key, PEER_DATABASE_URL: cluster.url };
    const added = await runCli(
      ["downloads", "add", proxy.url, ...Object.keys(files).map((f) => `share/${f}`), "--out", out],
      { cwd: work.dir, env },
    );
    assert.equal(added.code, 0, added.stderr);
    const workers = ["a", "b"].map((name) =>
      spawnCli(
        ["downloads", "run", "--worker", name, "--until-empty", "--lease", "3", "--concurrency", "2", "--json"],
        { cwd: work.dir, env },
      ),
    );
    await waitFor(
      () => (workers.some((w) => w.lines.some((l) => l.type === "progress")) ? true : undefined),
      "bytes flowing",
      120_000,
    );
    await cluster.halt();
    await sleep(2000);
    await cluster.start();
    const runs = await Promise.all(workers.map((w) => w.done));
    for (const r of runs) assert.equal(r.code, 0, r.stderr);
    assert.ok(
      runs.some((r) => /cannot reach the queue|terminat|ECONNREFUSED|Connection/i.test(r.stderr + r.stdout)),
      "the outage was noticed",
    );
    const completed = runs.flatMap((r) => r.lines.filter((l) => l.type === "completed").map((l) => String(l.id)));
    assert.equal(new Set(completed).size, FILES, "every job completed");
    assert.equal(completed.length, FILES, "none completed twice");
    for (const [name, bytes] of Object.entries(files)) {
      assert.equal(sha256(await readFile(path.join(out, name))), sha256(bytes), name);
    }
  });
});
