/**
 * Retry policy against real peers: server hints (HTTP Retry-After in seconds
 * and as an HTTP-date, RPC `retry-after-ms` with RESOURCE_EXHAUSTED) are
 * honoured; permanent errors are not retried; a cancelled job is never retried.
 */
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { readFile, unlink } from "node:fs/promises";
import { unlinkSync } from "node:fs";
import path from "node:path";
import { createPeerClient, DownloadError } from "../../client/index.js";
import { startTestPeer, type TestPeer } from "../helpers/peer-server.js";
import { startHttpFaultProxy } from "../helpers/proxy-http.js";
import { startTcpProxy } from "../helpers/proxy-tcp.js";
import { startManager, tempDir, waitFor } from "../helpers/download-fixtures.js";

let peer: TestPeer;
let work: { dir: string; remove: () => Promise<void> };
const data = randomBytes(256 * 1024 + 7);
// Over 1 MiB: a smaller file is one piece, with no progress before its end (docs/pieces.md).
const long = randomBytes(1280 * 1024 + 7);

before(async () => {
  peer = await startTestPeer({ files: { "r.bin": data, "gone.bin": data, "gone2.bin": data, "long.bin": long } });
  work = await tempDir();
});
after(async () => {
  await peer.close();
  await work.remove();
});

test("http: 503 with Retry-After seconds, then 429 with an HTTP-date: both honoured over the computed backoff", async (t) => {
  const proxy = await startHttpFaultProxy(peer.url, (n) => {
    if (n === 0) return { kind: "answer", status: 503, headers: { "retry-after": "1" } };
    if (n === 1)
      return { kind: "answer", status: 429, headers: { "retry-after": new Date(Date.now() + 2000).toUTCString() } };
    return undefined;
  });
  t.after(() => proxy.close());
  const out = path.join(work.dir, "hint-http");
  // A tiny computed backoff (≤ 5 ms) so only the hint can explain the waits.
  const tm = await startManager({
    dataDir: path.join(work.dir, "hint-http-db"),
    downloadDir: out,
    transport: "http",
    backoff: { baseMs: 5, capMs: 5 },
  });
  try {
    const id = await tm.m.enqueue({ url: proxy.url, key: peer.key }, "share/r.bin");
    const done = await tm.m.wait(id);
    assert.equal(done.status, "completed", JSON.stringify(done.error));
    assert.deepEqual(await readFile(path.join(out, "r.bin")), data);
    const retries = tm.of("retrying");
    assert.equal(retries.length, 2);
    assert.equal(retries[0]!.delayMs, 1000, "Retry-After: 1 → 1000 ms");
    assert.equal(retries[0]!.error.code, "http-transient");
    assert.ok(retries[1]!.delayMs > 5 && retries[1]!.delayMs <= 2000, `HTTP-date hint → ${retries[1]!.delayMs} ms`);
    const [r0, r1, r2] = proxy.requests;
    assert.ok(r1!.at - r0!.at >= 950, `waited ${r1!.at - r0!.at} ms after the 503`);
    assert.ok(r2!.at - r1!.at >= retries[1]!.delayMs - 50, `waited ${r2!.at - r1!.at} ms after the 429`);
  } finally {
    await tm.m.close();
  }
});

test("rpc: RESOURCE_EXHAUSTED with a retry-after-ms trailer is retried after the hinted delay", async (t) => {
  const busy = await startTestPeer({
    files: { "big.bin": randomBytes(32 * 1024 * 1024), "b.bin": data },
    maxStreamsPerKey: 1,
    retryAfterMs: 300,
  });
  t.after(() => busy.close());
  // Hold the key's only stream: read one message of a big file and stop reading (backpressure keeps it open).
  const holderCtl = new AbortController();
  const holder = createPeerClient({ baseUrl: busy.url, apiKey: busy.key })
    .readFile({ itemId: "share/big.bin" }, { signal: holderCtl.signal })
    [Symbol.asyncIterator]();
  await holder.next();
  const out = path.join(work.dir, "hint-rpc");
  const tm = await startManager({
    dataDir: path.join(work.dir, "hint-rpc-db"),
    downloadDir: out,
    backoff: { baseMs: 5, capMs: 5 },
  });
  try {
    const id = await tm.m.enqueue({ url: busy.url, key: busy.key }, "share/b.bin");
    await waitFor(() => (tm.of("retrying").length >= 2 ? true : undefined), "two refused attempts");
    await holder.return?.();
    holderCtl.abort();
    const done = await tm.m.wait(id);
    assert.equal(done.status, "completed", JSON.stringify(done.error));
    assert.deepEqual(await readFile(path.join(out, "b.bin")), data);
    const hinted = tm.of("retrying");
    for (const e of hinted) {
      assert.equal(e.error.code, "resource-exhausted");
      assert.equal(e.delayMs, 300, "the trailer's 300 ms wins over the 5 ms backoff");
    }
  } finally {
    holderCtl.abort();
    await tm.m.close();
  }
});

test("http: 403 and 404 are permanent: one attempt, no retry", async (t) => {
  for (const status of [403, 404, 410, 400]) {
    const proxy = await startHttpFaultProxy(peer.url, () => ({ kind: "answer", status }));
    t.after(() => proxy.close());
    const tm = await startManager({
      dataDir: path.join(work.dir, `perm-${status}-db`),
      downloadDir: path.join(work.dir, `perm-${status}`),
      transport: "http",
    });
    try {
      const id = await tm.m.enqueue({ url: proxy.url, key: peer.key }, "share/r.bin");
      const done = await tm.m.wait(id);
      assert.equal(done.status, "failed", String(status));
      assert.equal(done.attempts, 1, `${status}: a single attempt`);
      assert.equal(tm.of("retrying").length, 0);
      assert.equal(proxy.requests.length, 1);
    } finally {
      await tm.m.close();
    }
  }
});

test("rpc: the item disappears after enqueue → NOT_FOUND, failed at once, not retried", async () => {
  const out = path.join(work.dir, "gone");
  const tm = await startManager({ dataDir: path.join(work.dir, "gone-db"), downloadDir: out });
  tm.m.on((e) => {
    if (e.type === "queued") unlinkSync(path.join(peer.shareDir, "gone.bin"));
  });
  try {
    const id = await tm.m.enqueue({ url: peer.url, key: peer.key }, "share/gone.bin");
    const done = await tm.m.wait(id);
    assert.equal(done.status, "failed");
    assert.equal(done.error?.code, "not-found");
    assert.equal(done.attempts, 1);
    assert.equal(tm.of("retrying").length, 0);
  } finally {
    await tm.m.close();
  }
});

test("rpc: a revoked key → UNAUTHENTICATED, not retried; enqueue of an unknown item throws without a row", async () => {
  const extra = await peer.server.keys.create({ name: "short-lived" });
  const out = path.join(work.dir, "revoked");
  const tm = await startManager({ dataDir: path.join(work.dir, "revoked-db"), downloadDir: out });
  try {
    await assert.rejects(
      tm.m.enqueue({ url: peer.url, key: peer.key }, "share/nope.bin"),
      (e: unknown) => e instanceof DownloadError && e.code === "not-found",
    );
    assert.equal((await tm.m.list()).length, 0, "no row for an unknown item");
    tm.m.on((e) => {
      if (e.type === "queued") void peer.server.keys.revoke(extra.id);
    });
    const id = await tm.m.enqueue({ url: peer.url, key: extra.key }, "share/gone2.bin");
    const done = await waitFor(async () => {
      const d = await tm.m.get(id);
      return d !== undefined && (d.status === "failed" || d.status === "completed") ? d : undefined;
    }, "the job to end");
    // The revocation races the first read; either way nothing is retried after UNAUTHENTICATED.
    if (done.status === "failed") {
      assert.equal(done.error?.code, "unauthenticated");
      assert.equal(tm.of("retrying").length, 0);
    } else {
      assert.deepEqual(await readFile(path.join(out, "gone2.bin")), data);
    }
  } finally {
    await tm.m.close();
  }
});

test("a cancelled job is never retried, and its part stays until delete", async (t) => {
  const proxy = await startTcpProxy({ targetPort: Number(new URL(peer.url).port), bytesPerSecond: 64 * 1024 });
  t.after(() => proxy.close());
  const out = path.join(work.dir, "cancel");
  const tm = await startManager({
    dataDir: path.join(work.dir, "cancel-db"),
    downloadDir: out,
    checkpointBytes: 16 * 1024,
    transport: "http",
  });
  try {
    const id = await tm.m.enqueue({ url: proxy.url, key: peer.key }, "share/long.bin");
    await waitFor(() => tm.of("progress").find((e) => e.bytes > 0), "some bytes");
    const d = await tm.m.cancel(id);
    assert.equal(d.status, "cancelled");
    assert.equal((await tm.m.wait(id)).status, "cancelled");
    await new Promise((r) => setTimeout(r, 300));
    assert.equal(tm.of("retrying").length, 0);
    assert.equal(tm.of("cancelled").length, 1);
    const again = await tm.m.get(id);
    assert.equal(again?.status, "cancelled");
    const result = await tm.m.delete(id);
    assert.deepEqual(result.removed, [path.join(out, "long.bin.part")]);
    assert.equal(await tm.m.get(id), undefined);
    await assert.rejects(unlink(path.join(out, "long.bin.part")), /ENOENT/);
  } finally {
    await tm.m.close();
  }
});
