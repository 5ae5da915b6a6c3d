/**
 * Resume after faults: connections cut at many offsets (TCP proxy), a stalled
 * peer (idle timeout), a server restart, and close() in the middle.
 */
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { readFile, readdir } from "node:fs/promises";
import path from "node:path";
import { pino } from "pino";
import { startPeerServer } from "../../server/index.js";
import { startTestPeer, type TestPeer } from "../helpers/peer-server.js";
import { isFileRead, startTcpProxy } from "../helpers/proxy-tcp.js";
import { startManager, tempDir, waitFor } from "../helpers/download-fixtures.js";

let peer: TestPeer;
let work: { dir: string; remove: () => Promise<void> };
const data = randomBytes(2 * 1024 * 1024 + 4321);

before(async () => {
  peer = await startTestPeer({ files: { "data.bin": data } });
  work = await tempDir();
});
after(async () => {
  await peer.close();
  await work.remove();
});

// Offsets in the server → client byte stream of each connection, chosen to land in headers,
// in the first message's metadata, on chunk boundaries and deep in the body.
const CUTS = [1, 60, 200, 1000, 4096, 65_536 + 3, 300_000, 1_048_576 + 17, 1_500_000];

for (const transport of ["connect", "grpc", "http"] as const) {
  test(`${transport}: connections cut at ${CUTS.length} offsets, the download resumes and is byte-identical`, async (t) => {
    const proxy = await startTcpProxy({
      targetPort: Number(new URL(peer.url).port),
      plan: (i) => (i < CUTS.length ? { dropAfter: CUTS[i] } : undefined),
    });
    t.after(() => proxy.close());
    const out = path.join(work.dir, `cut-${transport}`);
    const tm = await startManager({
      dataDir: path.join(work.dir, `cut-db-${transport}`),
      downloadDir: out,
      transport,
      checkpointBytes: 256 * 1024,
    });
    try {
      const id = await waitFor(
        () => tm.m.enqueue({ url: proxy.url, key: peer.key }, "share/data.bin").catch(() => undefined),
        "enqueue through a cutting proxy",
      );
      const done = await tm.m.wait(id);
      assert.equal(done.status, "completed", JSON.stringify(done.error));
      assert.deepEqual(await readFile(path.join(out, "data.bin")), data);
      assert.ok(proxy.connections > CUTS.length / 2, `the proxy saw ${proxy.connections} connections`);
      assert.ok(tm.of("retrying").length >= 1, "attempts failed and were retried");
      // Later attempts resumed from committed bytes rather than starting over.
      assert.ok(
        tm.of("started").some((e) => e.resumeFrom > 0),
        "some attempt resumed from a non-zero offset",
      );
      assert.equal(tm.of("restarted").length, 0, "cuts never restart from 0");
      assert.deepEqual(await readdir(out), ["data.bin"]);
    } finally {
      await tm.m.close();
    }
  });
}

test("a stalled peer trips the idle timeout; the attempt is retried and finishes", async (t) => {
  let reads = 0;
  const proxy = await startTcpProxy({
    targetPort: Number(new URL(peer.url).port),
    plan: (_i, request) => (isFileRead(request) && reads++ === 0 ? { stallAfter: 500_000 } : undefined),
  });
  t.after(() => proxy.close());
  const out = path.join(work.dir, "stall");
  const tm = await startManager({ dataDir: path.join(work.dir, "stall-db"), downloadDir: out, idleTimeoutMs: 1000 });
  try {
    const id = await tm.m.enqueue({ url: proxy.url, key: peer.key }, "share/data.bin");
    const done = await tm.m.wait(id);
    assert.equal(done.status, "completed", JSON.stringify(done.error));
    assert.deepEqual(await readFile(path.join(out, "data.bin")), data);
    const retries = tm.of("retrying");
    assert.ok(
      retries.some((e) => e.error.code === "idle-timeout"),
      JSON.stringify(retries),
    );
  } finally {
    await tm.m.close();
  }
});

test("the server restarts mid-download; the download resumes from its part file", async (t) => {
  const own = await startTestPeer({ files: { "data.bin": data } });
  t.after(() => own.close());
  const port = Number(new URL(own.url).port);
  const proxy = await startTcpProxy({ targetPort: port, bytesPerSecond: 512 * 1024 });
  t.after(() => proxy.close());
  const out = path.join(work.dir, "restart");
  const tm = await startManager({
    dataDir: path.join(work.dir, "restart-db"),
    downloadDir: out,
    checkpointBytes: 128 * 1024,
  });
  let second: Awaited<ReturnType<typeof startPeerServer>> | undefined;
  try {
    const id = await tm.m.enqueue({ url: proxy.url, key: own.key }, "share/data.bin");
    await waitFor(() => tm.of("progress").find((e) => e.bytes >= 512 * 1024), "half a MiB");
    // A restart: the server goes away and its connections die with it.
    const closing = own.server.close();
    proxy.dropAll();
    await closing;
    proxy.setRate(undefined);
    // Same share, same data dir (the key is stored there), a new port.
    second = await startPeerServer({
      shares: [{ name: own.shareName, dir: own.shareDir }],
      dataDir: own.dataDir,
      host: "127.0.0.1",
      port: 0,
      logger: pino({ level: "silent" }),
    });
    proxy.setTarget(Number(new URL(second.url).port));
    const done = await tm.m.wait(id);
    assert.equal(done.status, "completed", JSON.stringify(done.error));
    assert.deepEqual(await readFile(path.join(out, "data.bin")), data);
    assert.ok(tm.of("retrying").length >= 1);
    assert.ok(
      tm.of("started").some((e) => e.resumeFrom >= 128 * 1024),
      "resumed from a checkpoint",
    );
  } finally {
    await tm.m.close();
    await second?.close();
  }
});

test("close() mid-download leaves the job queued and resumable; a new manager finishes it", async (t) => {
  const proxy = await startTcpProxy({ targetPort: Number(new URL(peer.url).port), bytesPerSecond: 512 * 1024 });
  t.after(() => proxy.close());
  const out = path.join(work.dir, "close");
  const dataDir = path.join(work.dir, "close-db");
  const first = await startManager({ dataDir, downloadDir: out, checkpointBytes: 128 * 1024 });
  // At 400 KiB the link all but stops (1 byte/s), in the progress event itself: close() then
  // comes mid-download however late this test is scheduled (polling alone let a loaded machine
  // finish the file before close()).
  first.m.on((e) => {
    if (e.type === "progress" && e.bytes >= 400 * 1024) proxy.setRate(1);
  });
  const id = await first.m.enqueue({ url: proxy.url, key: peer.key }, "share/data.bin");
  await waitFor(() => first.of("progress").find((e) => e.bytes >= 400 * 1024), "some progress");
  await first.m.close();
  proxy.setRate(undefined);
  const second = await startManager({ dataDir, downloadDir: out, keys: [peer.key] });
  try {
    const row = await second.m.get(id);
    assert.ok(row !== undefined && row.status !== "completed");
    assert.ok(row.committedBytes > 0, "progress survived close()");
    const done = await second.m.wait(id);
    assert.equal(done.status, "completed", JSON.stringify(done.error));
    assert.deepEqual(await readFile(path.join(out, "data.bin")), data);
    assert.ok(second.of("started")[0]!.resumeFrom >= row.committedBytes);
  } finally {
    await second.m.close();
  }
});
