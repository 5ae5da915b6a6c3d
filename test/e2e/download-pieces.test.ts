/**
 * Verified pieces end to end (docs/pieces.md "Client engine"): kill -9 at random points
 * across several runs (child processes) never re-downloads a verified piece and ends with
 * the exact bytes; a job row written by the v1 schema finishes after the upgrade, reusing
 * its kept prefix once its pieces check out.
 */
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { mkdir, open, readFile } from "node:fs/promises";
import path from "node:path";
import Database from "better-sqlite3";
import { Kysely, Migrator, SqliteDialect } from "kysely";
import { createPeerClient } from "../../client/index.js";
import { keyRef } from "../../client/remotes/key-ref.js";
import { seededRandom } from "../../client/retry/backoff.js";
import * as createDownload from "../../client/store/migrations/0001_create_download.js";
import { bitmapFromText, hasPiece } from "../../client/pieces/bitmap.js";
import { startTestPeer, type TestPeer } from "../helpers/peer-server.js";
import { startTcpProxy } from "../helpers/proxy-tcp.js";
import { startManager, tempDir, waitFor } from "../helpers/download-fixtures.js";
import { runCli } from "../helpers/download-cli.js";
import { runDownloadChild } from "../helpers/run-download-child.js";

const P = 16 * 1024; // the piece length rule gives 16 KiB pieces for files up to 32 MiB
let peer: TestPeer;
let work: { dir: string; remove: () => Promise<void> };
const big = randomBytes(6 * 1024 * 1024 + 321);
const legacy = randomBytes(4 * 1024 * 1024 + 77);
const reads: Array<{ itemId: string; offset: number; bytes: number }> = [];

before(async () => {
  peer = await startTestPeer({
    files: { "big.bin": big, "legacy.bin": legacy },
    hooks: { onChunkRead: (itemId, offset, bytes) => reads.push({ itemId, offset, bytes }) },
  });
  work = await tempDir();
  const client = createPeerClient({ baseUrl: peer.url, apiKey: peer.key });
  for (const name of ["big.bin", "legacy.bin"]) {
    await waitFor(
      async () => ((await client.statItem(`share/${name}`)).piecesRoot !== "" ? true : undefined),
      `root of ${name}`,
    );
  }
  client.close();
});
after(async () => {
  await peer.close();
  await work.remove();
});

function completed(dbFile: string): boolean {
  try {
    const db = new Database(dbFile, { readonly: true, fileMustExist: true });
    try {
      return (
        (db.prepare("select status from download").get() as { status: string } | undefined)?.status === "completed"
      );
    } finally {
      db.close();
    }
  } catch {
    return false;
  }
}

function verifiedNow(dbFile: string): ((i: number) => boolean) | undefined {
  try {
    const db = new Database(dbFile, { readonly: true, fileMustExist: true });
    try {
      const row = db
        .prepare("select pieces_verified as v, expected_size as s, piece_length as p from download")
        .get() as { v: string | null; s: number; p: number | null } | undefined;
      if (row?.v === null || row?.v === undefined || row.p === null) return undefined;
      const b = bitmapFromText(row.v, Math.ceil(row.s / row.p));
      return (i) => hasPiece(b, i);
    } finally {
      db.close();
    }
  } catch {
    return undefined;
  }
}

test("kill -9 at random points across runs: no verified piece is read again, the file ends byte-identical", async (t) => {
  const seed = Number(process.env.PEER_TEST_SEED ?? Date.now() % 100_000);
  t.diagnostic(`seed ${seed} (PEER_TEST_SEED replays it)`);
  const random = seededRandom(seed);
  const proxy = await startTcpProxy({ targetPort: Number(new URL(peer.url).port), bytesPerSecond: 1536 * 1024 });
  t.after(() => proxy.close());
  const dir = path.join(work.dir, "kill");
  await mkdir(dir, { recursive: true });
  const config = {
    dataDir: path.join(dir, "state"),
    downloadDir: dir,
    url: proxy.url,
    key: peer.key,
    itemId: "share/big.bin",
    checkpointBytes: 256 * 1024,
  };
  const dbFile = path.join(config.dataDir, "downloads.db");
  const runChild = () => runDownloadChild(config);
  let kills = 0;
  for (let run = 0; run < 4 && !completed(dbFile); run++) {
    const verified = verifiedNow(dbFile);
    reads.length = 0;
    const c = runChild();
    // Kill once it has written something new (or after a while), at a random moment.
    await waitFor(() => (c.output().includes('"type":"progress"') ? true : undefined), "progress", 120_000).catch(
      () => undefined,
    );
    await new Promise((r) => setTimeout(r, 100 + random() * 900));
    c.child.kill("SIGKILL");
    const end = await c.done;
    if (end.signal === "SIGKILL") kills++;
    await new Promise((r) => setTimeout(r, 200)); // reads the peer still does for the dead connection
    if (verified !== undefined) {
      for (const r of reads.filter((x) => x.itemId === "share/big.bin")) {
        for (let i = Math.floor(r.offset / P); i * P < r.offset + r.bytes; i++) {
          assert.equal(
            verified(i),
            false,
            `run ${run}: piece ${i} was verified before the run and read again (seed ${seed}) ${JSON.stringify(reads.slice(0, 5))} ${c.output().slice(0, 1500)}`,
          );
        }
      }
    }
    if (end.code === 0) break;
  }
  assert.ok(kills >= 1, "at least one run was killed");
  if (completed(dbFile)) {
    assert.deepEqual(await readFile(path.join(dir, "big.bin")), big);
    return; // a run finished just before its kill
  }
  proxy.setRate(undefined);
  const verified = verifiedNow(dbFile);
  reads.length = 0;
  const last = runChild();
  const end = await last.done;
  assert.equal(end.code, 0, last.output());
  assert.deepEqual(await readFile(path.join(dir, "big.bin")), big);
  if (verified !== undefined) {
    for (const r of reads.filter((x) => x.itemId === "share/big.bin")) {
      for (let i = Math.floor(r.offset / P); i * P < r.offset + r.bytes; i++)
        assert.equal(verified(i), false, `last run read verified piece ${i}`);
    }
  }
  assert.match(last.output(), /"verified":"pieces root"/);
});

test("a job row written by the v1 schema finishes after the upgrade; its kept prefix is checked, not downloaded again", async () => {
  const dir = path.join(work.dir, "v1");
  const dataDir = path.join(dir, "state");
  await mkdir(dataDir, { recursive: true });
  // The v1 schema exactly as 0001 made it, and a row as the v1 engine left it: 3 MiB committed
  // (its part also holds an unrecorded, wrong tail, as after a crash before a checkpoint).
  const sqlite = new Database(path.join(dataDir, "downloads.db"));
  const v1 = new Kysely<Record<string, never>>({ dialect: new SqliteDialect({ database: sqlite }) });
  const migrated = await new Migrator({
    db: v1,
    provider: { getMigrations: async () => ({ "0001_create_download": createDownload }) },
  }).migrateToLatest();
  assert.equal(migrated.error, undefined);
  const client = createPeerClient({ baseUrl: peer.url, apiKey: peer.key });
  const item = await client.statItem("share/legacy.bin");
  client.close();
  const kept = 3 * 1024 * 1024;
  const destination = path.join(dir, "legacy.bin");
  const t = Date.now();
  sqlite
    .prepare(
      `insert into download (id, peer_url, key_ref, transport, item_id, file_name, destination, part_path, expected_size,
        expected_etag, expected_sha256, committed_bytes, status, attempts, restarts, created_at, updated_at)
       values (?, ?, ?, 'connect', 'share/legacy.bin', 'legacy.bin', ?, ?, ?, ?, ?, ?, 'queued', 1, 0, ?, ?)`,
    )
    .run(
      "v1-job",
      peer.url,
      keyRef(peer.key),
      destination,
      `${destination}.part`,
      legacy.length,
      item.etag,
      item.sha256 || null,
      kept,
      t,
      t,
    );
  await v1.destroy();
  const fh = await open(`${destination}.part`, "w");
  await fh.write(legacy, 0, kept, 0);
  await fh.write(randomBytes(100_000), 0, 100_000, kept);
  await fh.close();

  reads.length = 0;
  const tm = await startManager({ dataDir, downloadDir: dir, keys: [peer.key] });
  try {
    const done = await tm.m.wait("v1-job");
    assert.equal(done.status, "completed", JSON.stringify(done.error));
    assert.deepEqual(await readFile(destination), legacy);
    assert.equal(tm.of("completed")[0]?.verified, "pieces root");
    assert.equal(done.piecesRoot, item.piecesRoot);
    const served = reads.filter((r) => r.itemId === "share/legacy.bin").reduce((n, r) => n + r.bytes, 0);
    assert.ok(served <= legacy.length - kept + 2 * P, `served ${served} bytes; the 3 MiB prefix was reused`);
  } finally {
    await tm.m.close();
  }
  const show = await runCli(["downloads", "show", "v1-job"], { cwd: dir, env: { PEER_DATA_DIR: dataDir } });
  assert.equal(show.code, 0, show.stderr);
  assert.match(show.stdout, new RegExp(`pieces root\\s+${item.piecesRoot}`));
  const count = Math.ceil(legacy.length / P);
  assert.match(show.stdout, new RegExp(`pieces\\s+${count} of ${count} verified`));
  const json = await runCli(["downloads", "show", "v1-job", "--json"], { cwd: dir, env: { PEER_DATA_DIR: dataDir } });
  assert.equal(json.lines[0]?.piecesRoot, item.piecesRoot);
});
