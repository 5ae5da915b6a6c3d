import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { createHash, randomBytes } from "node:crypto";
import { mkdtemp, readFile, readdir, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { startTestPeer, type TestPeer } from "../helpers/peer-server.js";
import { createDownloadManager, type DownloadEvent } from "../../client/index.js";

let peer: TestPeer;
let work: string;
const big = randomBytes(3 * 1024 * 1024 + 123);

before(async () => {
  peer = await startTestPeer({ files: { "a.bin": big, "dir/hello.txt": "hello\n", "empty.txt": "" } });
  work = await mkdtemp(path.join(os.tmpdir(), "peer-dl-"));
});
after(async () => {
  await peer.close();
  await rm(work, { recursive: true, force: true });
});

for (const transport of ["connect", "connect-h2", "grpc", "http"] as const) {
  test(`downloads three files over ${transport}, byte-identical, verified`, async () => {
    const out = path.join(work, transport);
    const m = createDownloadManager({
      dataDir: path.join(work, `data-${transport}`),
      downloadDir: out,
      transport,
      progressIntervalMs: 1,
    });
    const events: DownloadEvent[] = [];
    m.on((e) => events.push(e));
    await m.start();
    try {
      const ids = [];
      for (const item of ["share/a.bin", "share/dir/hello.txt", "share/empty.txt"]) {
        ids.push(await m.enqueue({ url: peer.url, key: peer.key }, item));
      }
      for (const id of ids) {
        const d = await m.wait(id);
        assert.equal(d.status, "completed", JSON.stringify(d.error));
      }
      assert.deepEqual(await readFile(path.join(out, "a.bin")), big);
      assert.equal(await readFile(path.join(out, "hello.txt"), "utf8"), "hello\n");
      assert.equal((await readFile(path.join(out, "empty.txt"))).length, 0);
      assert.deepEqual((await readdir(out)).sort(), ["a.bin", "empty.txt", "hello.txt"], "no part files left");
      const done = events.filter((e) => e.type === "completed");
      assert.equal(done.length, 3);
      const a = done.find((e) => e.fileName === "a.bin");
      assert.equal(a?.type === "completed" && a.sha256, createHash("sha256").update(big).digest("hex"));
      assert.ok(events.some((e) => e.type === "progress" && e.fileName === "a.bin"));
    } finally {
      await m.close();
    }
  });
}

test("a digest the peer finishes after the enqueue is learnt by the attempt: the completed job records its SHA-256", async (t) => {
  // A fresh peer: its background hasher has not hashed the file when the job is enqueued.
  const body = randomBytes(2 * 1024 * 1024 + 5);
  const own = await startTestPeer({ files: { "late.bin": body } });
  t.after(() => own.close());
  const dataDir = path.join(work, "late-digest");
  const admin = createDownloadManager({ dataDir, downloadDir: path.join(work, "late") });
  await admin.start({ runJobs: false });
  const id = await admin.enqueue({ url: own.url, key: own.key }, "share/late.bin");
  await admin.close();
  await own.server.hasher.idle(); // the digest is ready before the job runs
  const m = createDownloadManager({ dataDir, downloadDir: path.join(work, "late"), keys: [own.key] });
  const events: DownloadEvent[] = [];
  m.on((e) => events.push(e));
  await m.start();
  try {
    const done = await m.wait(id);
    assert.equal(done.status, "completed", JSON.stringify(done.error));
    const sha256 = createHash("sha256").update(body).digest("hex");
    const completed = events.find((e) => e.type === "completed");
    assert.equal(completed?.type === "completed" && completed.sha256, sha256);
    assert.equal(done.sha256, sha256, "the job's row records it too");
    assert.deepEqual(await readFile(path.join(work, "late", "late.bin")), body);
  } finally {
    await m.close();
  }
});
