/**
 * Limits and lifetime edges against a real peer: the per-peer limit, a job
 * cancelled while waiting for a slot never takes one, a crash between the last
 * checkpoint and the rename, and delete's path guards.
 */
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdir, readFile, stat, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { createPeerClient, openDownloadsDatabase } from "../../client/index.js";
import { keyRef } from "../../client/remotes/key-ref.js";
import { insertDownload } from "../../client/store/download.repository.js";
import { startTestPeer, type TestPeer } from "../helpers/peer-server.js";
import { startTcpProxy } from "../helpers/proxy-tcp.js";
import { startManager, tempDir, waitFor } from "../helpers/download-fixtures.js";

let peerA: TestPeer;
let peerB: TestPeer;
let work: { dir: string; remove: () => Promise<void> };
// Over 1 MiB: smaller files are fetched as one piece (docs/pieces.md), and these cases need
// progress, checkpoints and writes in the middle of a file.
const file = randomBytes(1280 * 1024);

before(async () => {
  peerA = await startTestPeer({
    files: { "a1.bin": file, "a2.bin": file, "a3.bin": file, "end.bin": file, "end2.bin": file, "keep.bin": file },
  });
  peerB = await startTestPeer({ files: { "b1.bin": file } });
  work = await tempDir();
});
after(async () => {
  await peerA.close();
  await peerB.close();
  await work.remove();
});

/** Tracks how many jobs run at once, overall and per peer. */
function activity(tm: Awaited<ReturnType<typeof startManager>>, peerOf: (fileName: string) => string) {
  const active = new Map<string, string>();
  const max = { all: 0, perPeer: new Map<string, number>() };
  tm.m.on((e) => {
    if (e.type === "validated") active.set(e.id, peerOf(e.fileName));
    if (e.type === "completed" || e.type === "failed" || e.type === "cancelled" || e.type === "retrying")
      active.delete(e.id);
    max.all = Math.max(max.all, active.size);
    for (const p of new Set(active.values())) {
      const n = [...active.values()].filter((v) => v === p).length;
      max.perPeer.set(p, Math.max(max.perPeer.get(p) ?? 0, n));
    }
  });
  return max;
}

test("per-peer limit: one slow peer cannot take every slot; the other peer runs meanwhile", async (t) => {
  const slowA = await startTcpProxy({ targetPort: Number(new URL(peerA.url).port), bytesPerSecond: 640 * 1024 });
  t.after(() => slowA.close());
  const tm = await startManager({
    dataDir: path.join(work.dir, "limit-db"),
    downloadDir: path.join(work.dir, "limit"),
    concurrency: 3,
    perPeer: 1,
    transport: "http",
  });
  const max = activity(tm, (f) => (f.startsWith("a") ? "A" : "B"));
  try {
    const ids = [
      await tm.m.enqueue({ url: slowA.url, key: peerA.key }, "share/a1.bin"),
      await tm.m.enqueue({ url: slowA.url, key: peerA.key }, "share/a2.bin"),
      await tm.m.enqueue({ url: peerB.url, key: peerB.key }, "share/b1.bin"),
    ];
    const b = await tm.m.wait(ids[2]!);
    assert.equal(b.status, "completed");
    const a2 = await tm.m.get(ids[1]!);
    assert.notEqual(a2?.status, "completed", "B finished while A's second job still waited for A's only slot");
    for (const id of ids) assert.equal((await tm.m.wait(id)).status, "completed");
    assert.equal(max.perPeer.get("A"), 1, "never two jobs of peer A at once");
  } finally {
    await tm.m.close();
  }
});

test("a job cancelled while waiting for a slot never takes one; the next job gets it", async (t) => {
  const slow = await startTcpProxy({ targetPort: Number(new URL(peerA.url).port), bytesPerSecond: 640 * 1024 });
  t.after(() => slow.close());
  const tm = await startManager({
    dataDir: path.join(work.dir, "waiter-db"),
    downloadDir: path.join(work.dir, "waiter"),
    concurrency: 1,
    transport: "http",
  });
  try {
    const first = await tm.m.enqueue({ url: slow.url, key: peerA.key }, "share/a1.bin");
    const waiting = await tm.m.enqueue({ url: slow.url, key: peerA.key }, "share/a2.bin");
    const third = await tm.m.enqueue({ url: slow.url, key: peerA.key }, "share/a3.bin");
    await waitFor(() => tm.of("progress").find((e) => e.id === first), "the first job running");
    assert.equal((await tm.m.cancel(waiting)).status, "cancelled");
    assert.equal((await tm.m.wait(first)).status, "completed");
    assert.equal((await tm.m.wait(third)).status, "completed", "the permit went on to the third job");
    assert.equal(tm.of("started").filter((e) => e.id === waiting).length, 0, "the cancelled waiter never started");
  } finally {
    await tm.m.close();
  }
});

for (const transport of ["connect", "http"] as const) {
  test(`${transport}: crash after the last checkpoint but before the rename → verified from the part, no bytes fetched again`, async () => {
    const name = transport === "connect" ? "end.bin" : "end2.bin";
    const out = path.join(work.dir, `end-${transport}`);
    await mkdir(out, { recursive: true });
    const destination = path.join(out, name);
    await writeFile(`${destination}.part`, file);
    const dataDir = path.join(work.dir, `end-db-${transport}`);
    const db = await openDownloadsDatabase(dataDir);
    const client = createPeerClient({ baseUrl: peerA.url, apiKey: peerA.key });
    const item = await client.statItem(`share/${name}`);
    client.close();
    const dead = spawnSync(process.execPath, ["-e", ""]).pid ?? 999_999;
    await insertDownload(db, {
      id: `end-${transport}`,
      peer_url: peerA.url,
      key_ref: keyRef(peerA.key),
      transport,
      item_id: `share/${name}`,
      file_name: name,
      destination,
      part_path: `${destination}.part`,
      expected_size: file.length,
      expected_etag: item.etag,
      expected_sha256: null,
      committed_bytes: file.length,
      status: "verifying",
      attempts: 1,
      restarts: 0,
      lease_owner: `${os.hostname()}/${dead}/0badf00d`,
      lease_expires_at: Date.now() + 3_600_000,
      created_at: Date.now(),
      updated_at: Date.now(),
    });
    await db.destroy();
    const tm = await startManager({ dataDir, downloadDir: out, keys: [peerA.key] });
    try {
      const done = await tm.m.wait(`end-${transport}`);
      assert.equal(done.status, "completed", JSON.stringify(done.error));
      assert.deepEqual(await readFile(destination), file);
      assert.equal(tm.of("started")[0]?.resumeFrom, file.length);
      assert.equal(tm.of("progress").length, 0, "no byte was downloaded again");
    } finally {
      await tm.m.close();
    }
  });
}

test("delete removes files only inside the download directory and only when no other live row refers to them", async () => {
  const root = path.join(work.dir, "del-root");
  const outside = path.join(work.dir, "del-outside");
  const tm = await startManager({ dataDir: path.join(work.dir, "del-db"), downloadDir: root });
  try {
    const inside = await tm.m.enqueue({ url: peerA.url, key: peerA.key }, "share/keep.bin");
    assert.equal((await tm.m.wait(inside)).status, "completed");
    const far = await tm.m.enqueue({ url: peerA.url, key: peerA.key }, "share/keep.bin", { outDir: outside });
    assert.equal((await tm.m.wait(far)).status, "completed");
    const r1 = await tm.m.delete(far);
    assert.deepEqual(r1.removed, []);
    assert.match(r1.kept[0]?.reason ?? "", /outside the download directory/);
    assert.deepEqual(await readFile(path.join(outside, "keep.bin")), file, "kept");
    // A new live job for the same destination protects the finished file of the old job.
    // (Queued through a handle that never runs jobs, so it stays live while we look.)
    const admin = await startManager({ dataDir: path.join(work.dir, "del-db"), downloadDir: root }, { runJobs: false });
    const again = await admin.m.enqueue({ url: peerA.url, key: peerA.key }, "share/keep.bin");
    assert.notEqual(again, inside);
    const blocked = await admin.m.delete(inside);
    assert.deepEqual(blocked.removed, []);
    assert.match(blocked.kept.map((k) => k.reason).join(), /another live job refers to it/);
    assert.equal(await admin.m.get(inside), undefined, "the row is gone, the file stays");
    assert.deepEqual(await readFile(path.join(root, "keep.bin")), file);
    // A cancelled job never wrote the destination: deleting it leaves that file alone.
    await admin.m.cancel(again);
    assert.deepEqual((await admin.m.delete(again)).removed, []);
    await admin.m.close();
    assert.deepEqual(await readFile(path.join(root, "keep.bin")), file);
    // A completed job inside the root, with nothing live referring: its file goes.
    const last = await tm.m.enqueue({ url: peerA.url, key: peerA.key }, "share/keep.bin");
    assert.equal((await tm.m.wait(last)).status, "completed");
    const r2 = await tm.m.delete(last);
    assert.deepEqual(r2.removed, [path.join(root, "keep.bin")]);
    await assert.rejects(stat(path.join(root, "keep.bin")), /ENOENT/);
  } finally {
    await tm.m.close();
  }
});

test("the idle timer never runs across slow disk writes", async () => {
  const out = path.join(work.dir, "slow-disk");
  let writes = 0;
  const tm = await startManager({
    dataDir: path.join(work.dir, "slow-disk-db"),
    downloadDir: out,
    idleTimeoutMs: 300,
    transport: "http",
    fs: {
      async write(fh, chunk, position) {
        // Each write takes longer than the idle timeout.
        if (writes++ < 4) await new Promise((r) => setTimeout(r, 600));
        let done = 0;
        while (done < chunk.length)
          done += (await fh.write(chunk, done, chunk.length - done, position + done)).bytesWritten;
      },
    },
  });
  try {
    const id = await tm.m.enqueue({ url: peerA.url, key: peerA.key }, "share/a3.bin");
    const done = await tm.m.wait(id);
    assert.equal(done.status, "completed", JSON.stringify(done.error));
    assert.ok(writes >= 4);
    assert.equal(tm.of("retrying").length, 0, "no idle timeout while the disk was slow");
    assert.deepEqual(await readFile(path.join(out, "a3.bin")), file);
  } finally {
    await tm.m.close();
  }
});

test("a worker whose lease was taken over stops at once and never writes the row again", async (t) => {
  const slow = await startTcpProxy({ targetPort: Number(new URL(peerA.url).port), bytesPerSecond: 320 * 1024 });
  t.after(() => slow.close());
  const dataDir = path.join(work.dir, "steal-db");
  const tm = await startManager({
    dataDir,
    downloadDir: path.join(work.dir, "steal"),
    leaseMs: 600,
    transport: "http",
    checkpointBytes: 16 * 1024,
  });
  const db = await openDownloadsDatabase(dataDir);
  try {
    const id = await tm.m.enqueue({ url: slow.url, key: peerA.key }, "share/a2.bin");
    await waitFor(() => tm.of("progress").find((e) => e.id === id && e.bytes > 0), "progress");
    // Another worker (another host) takes the job over.
    await db
      .updateTable("download")
      .set({ lease_owner: "elsewhere/1/0badf00d", lease_expires_at: Date.now() + 3_600_000, committed_bytes: 7 })
      .where("id", "=", id)
      .execute();
    // Well past a few renewals (every 200 ms): the old worker has noticed and stopped writing.
    await new Promise((r) => setTimeout(r, 1500));
    const row = await db.selectFrom("download").selectAll().where("id", "=", id).executeTakeFirstOrThrow();
    assert.equal(row.lease_owner, "elsewhere/1/0badf00d");
    assert.equal(Number(row.committed_bytes), 7, "the old worker did not write after losing the lease");
    assert.equal(row.status, "downloading");
    assert.equal(tm.of("completed").length, 0);
    // It follows the job instead: when the other worker finishes it, a waiting caller hears so.
    await db
      .updateTable("download")
      .set({ status: "completed", lease_owner: null, lease_expires_at: null, completed_at: Date.now() })
      .where("id", "=", id)
      .execute();
    assert.equal((await tm.m.wait(id)).status, "completed");
    assert.equal(tm.of("completed").length, 1);
  } finally {
    await db.destroy();
    await tm.m.close();
  }
});

test("pause stops a running job and keeps its bytes; retry resumes it", async (t) => {
  const slow = await startTcpProxy({ targetPort: Number(new URL(peerA.url).port), bytesPerSecond: 320 * 1024 });
  t.after(() => slow.close());
  const out = path.join(work.dir, "pause");
  const tm = await startManager({
    dataDir: path.join(work.dir, "pause-db"),
    downloadDir: out,
    transport: "http",
    checkpointBytes: 16 * 1024,
  });
  try {
    const id = await tm.m.enqueue({ url: slow.url, key: peerA.key }, "share/a1.bin");
    await waitFor(() => tm.of("progress").find((e) => e.id === id && e.bytes >= 32 * 1024), "progress");
    const paused = await tm.m.pause(id);
    assert.equal(paused.status, "paused");
    assert.equal((await tm.m.wait(id)).error?.code, "paused-by-user");
    assert.equal(tm.of("paused").length, 1);
    const kept = (await tm.m.get(id))!.committedBytes;
    assert.ok(kept > 0);
    slow.setRate(undefined);
    await tm.m.retry(id);
    const done = await tm.m.wait(id);
    assert.equal(done.status, "completed", JSON.stringify(done.error));
    assert.ok(tm.of("started").at(-1)!.resumeFrom >= kept);
    assert.deepEqual(await readFile(path.join(out, "a1.bin")), file);
  } finally {
    await tm.m.close();
  }
});
