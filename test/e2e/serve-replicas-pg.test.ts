/**
 * Three `peer serve` replicas on one PostgreSQL store behind a round-robin TCP
 * proxy: a key revoked through one replica is refused by every replica on the
 * next call, and a `peer get` through the proxy finishes across replica restarts.
 */
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import http from "node:http";
import os from "node:os";
import path from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { after, before, describe, test } from "node:test";
import { pino } from "pino";
import { startPeerServer, type PeerServer } from "../../server/index.js";
import { spawnCli } from "../helpers/download-cli.js";
import { sha256, waitFor } from "../helpers/download-fixtures.js";
import { freshDatabase, pgSkipReason, type FreshDatabase } from "../helpers/pg.js";
import { startRoundRobinProxy, type RoundRobinProxy } from "../helpers/proxy-round-robin.js";

/** One new connection per request, so the proxy sends each to the next replica. */
function status(url: string, key: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = http.request(
      url,
      { method: "HEAD", agent: false, headers: { authorization: `Bearer ${key}` } },
      (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      },
    );
    req.on("error", reject);
    req.end();
  });
}

describe("three serve replicas on one PostgreSQL store", { skip: pgSkipReason(), timeout: 600_000 }, () => {
  let db: FreshDatabase;
  let root: string;
  let shareDir: string;
  const replicas: PeerServer[] = [];
  const ports: number[] = [];
  let proxy: RoundRobinProxy;
  const big = randomBytes(12 * 1024 * 1024);

  const start = (port: number, i: number) =>
    startPeerServer({
      shares: [{ name: "share", dir: shareDir }],
      dataDir: path.join(root, `data-${i}`),
      databaseUrl: db.url,
      host: "127.0.0.1",
      port,
      logger: pino({ level: "silent" }),
    });

  before(async () => {
    db = await freshDatabase();
    root = await mkdtemp(path.join(os.tmpdir(), "peer-replicas-"));
    shareDir = path.join(root, "share");
    await mkdir(shareDir);
    await writeFile(path.join(shareDir, "a.txt"), "hello");
    await writeFile(path.join(shareDir, "big.bin"), big);
    // Started at once: the migrations of a fresh database are serialised by the advisory lock.
    replicas.push(...(await Promise.all([0, 1, 2].map((i) => start(0, i)))));
    for (const r of replicas) ports.push(Number(new URL(r.url).port));
    // Slow enough that the replica restarts land while the download runs.
    proxy = await startRoundRobinProxy(ports, 1024 * 1024);
  });
  after(async () => {
    await proxy?.close();
    for (const r of replicas) await r.close().catch(() => undefined);
    await db?.drop();
    await rm(root, { recursive: true, force: true });
  });

  test("a key created through one replica works on all; revoked through another, refused by all on the next call", async () => {
    const created = await replicas[0]!.keys.create({ name: "shared" });
    const url = `${proxy.url}/v1/files/share/a.txt`;
    const before = await Promise.all([0, 1, 2].map(() => status(url, created.key)));
    assert.deepEqual(before, [200, 200, 200]);
    assert.ok(
      ports.every((p) => (proxy.counts.get(p) ?? 0) >= 1),
      "every replica answered",
    );
    assert.equal(await replicas[1]!.keys.revoke(created.id), true);
    const afterRevoke = [];
    for (let i = 0; i < 3; i++) afterRevoke.push(await status(url, created.key));
    assert.deepEqual(afterRevoke, [401, 401, 401]);
  });

  test("a peer get through the proxy finishes across replica restarts", async () => {
    const created = await replicas[2]!.keys.create({ name: "get" });
    const work = await mkdtemp(path.join(os.tmpdir(), "peer-replicas-get-"));
    try {
      const get = spawnCli(["get", proxy.url, "share/big.bin", "--out", work, "--transport", "http", "--json"], {
        cwd: work,
        env: { PEER_KEY: created.key, PEER_DATA_DIR: path.join(work, "state") },
      });
      await waitFor(
        () => (get.lines.some((l) => l.type === "validated") ? true : undefined),
        "the download started",
        120_000,
      );
      // Restart each replica in turn (close drops its connections; the engine retries on the next).
      for (let i = 0; i < 3; i++) {
        await replicas[i]!.close();
        await sleep(300);
        replicas[i] = await start(ports[i]!, i);
      }
      const run = await get.done;
      assert.equal(run.code, 0, run.stderr);
      assert.ok(
        run.lines.some((l) => l.type === "retrying"),
        "a restart interrupted the download",
      );
      assert.equal(sha256(await readFile(path.join(work, "big.bin"))), sha256(big));
    } finally {
      await rm(work, { recursive: true, force: true });
    }
  });
});
