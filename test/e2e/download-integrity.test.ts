/**
 * Never a wrong file in place: a file changed between attempts restarts from 0
 * and ends as the new version; a corrupted byte (flipped on the wire by a
 * proxy, so the peer's SHA-256 no longer matches) discards the part.
 */
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { writeFileSync } from "node:fs";
import { readFile as readFileP } from "node:fs/promises";
import path from "node:path";
import { createPeerClient } from "../../client/index.js";
import { startTestPeer, type TestPeer } from "../helpers/peer-server.js";
import { startTcpProxy } from "../helpers/proxy-tcp.js";
import { startHttpFaultProxy } from "../helpers/proxy-http.js";
import { sha256, startManager, tempDir, waitFor } from "../helpers/download-fixtures.js";

let peer: TestPeer;
let work: { dir: string; remove: () => Promise<void> };
const original = randomBytes(1024 * 1024 + 99);

before(async () => {
  peer = await startTestPeer({ files: { "c.bin": original, "d.bin": original, "e.bin": original, "f.bin": original, "g.bin": original } });
  work = await tempDir();
  // The peer hashes in the background: wait until it knows the digests.
  const client = createPeerClient({ baseUrl: peer.url, apiKey: peer.key });
  for (const name of ["e.bin", "f.bin", "g.bin"]) {
    await waitFor(async () => ((await client.statItem(`share/${name}`)).sha256 !== "" ? true : undefined), `digest of ${name}`);
  }
  client.close();
});
after(async () => {
  await peer.close();
  await work.remove();
});

const exists = async (p: string) => readFileP(p).then(() => true, () => false);

for (const transport of ["connect", "http"] as const) {
  test(`${transport}: the file changes between attempts → restart from 0, the final file is the new version`, async (t) => {
    const name = transport === "connect" ? "c.bin" : "d.bin";
    const proxy = await startTcpProxy({ targetPort: Number(new URL(peer.url).port), plan: (i) => (i < 2 ? { dropAfter: 400_000 } : undefined) });
    t.after(() => proxy.close());
    const out = path.join(work.dir, `changed-${transport}`);
    const tm = await startManager({ dataDir: path.join(work.dir, `changed-db-${transport}`), downloadDir: out, transport, checkpointBytes: 64 * 1024 });
    const updated = Buffer.concat([randomBytes(700_000), Buffer.from("new version")]);
    let changed = false;
    tm.m.on((e) => {
      // Between the first (cut) attempt and the next one.
      if (e.type === "retrying" && !changed) {
        changed = true;
        writeFileSync(path.join(peer.shareDir, name), updated);
      }
    });
    try {
      const id = await tm.m.enqueue({ url: proxy.url, key: peer.key }, `share/${name}`);
      const done = await tm.m.wait(id);
      assert.equal(done.status, "completed", JSON.stringify(done.error));
      assert.deepEqual(await readFileP(path.join(out, name)), updated);
      assert.equal(done.size, updated.length);
      assert.equal(tm.of("restarted").length, 1, "restarted once");
      assert.equal(done.restarts, 1);
    } finally {
      await tm.m.close();
      writeFileSync(path.join(peer.shareDir, name), original);
    }
  });
}

test("a file that keeps changing fails the job (bounded restarts), no file in place", async (t) => {
  const proxy = await startTcpProxy({ targetPort: Number(new URL(peer.url).port), plan: () => ({ dropAfter: 300_000 }) });
  t.after(() => proxy.close());
  const out = path.join(work.dir, "churn");
  const tm = await startManager({ dataDir: path.join(work.dir, "churn-db"), downloadDir: out, maxRestarts: 2 });
  let version = 0;
  tm.m.on((e) => {
    if (e.type === "retrying") writeFileSync(path.join(peer.shareDir, "c.bin"), randomBytes(900_000 + ++version));
  });
  try {
    const id = await tm.m.enqueue({ url: proxy.url, key: peer.key }, "share/c.bin");
    const done = await tm.m.wait(id);
    assert.equal(done.status, "failed");
    assert.equal(done.error?.code, "changed-too-often");
    assert.equal(await exists(path.join(out, "c.bin")), false);
  } finally {
    await tm.m.close();
    writeFileSync(path.join(peer.shareDir, "c.bin"), original);
  }
});

test("rpc: one byte flipped on the wire → digest mismatch → part discarded, retried, correct file", async (t) => {
  const proxy = await startTcpProxy({ targetPort: Number(new URL(peer.url).port), plan: (i) => (i === 0 ? { flipAt: 200_000 } : { dropAfter: undefined }) });
  t.after(() => proxy.close());
  const out = path.join(work.dir, "flip-rpc");
  const tm = await startManager({ dataDir: path.join(work.dir, "flip-rpc-db"), downloadDir: out });
  try {
    const id = await tm.m.enqueue({ url: proxy.url, key: peer.key }, "share/e.bin");
    const done = await tm.m.wait(id);
    assert.equal(done.status, "completed", JSON.stringify(done.error));
    assert.deepEqual(await readFileP(path.join(out, "e.bin")), original);
    const restarts = tm.of("restarted");
    assert.equal(restarts.length, 1);
    assert.match(restarts[0]!.reason, /SHA-256/);
    const completed = tm.of("completed")[0]!;
    assert.equal(completed.digestVerified, true);
    assert.equal(completed.sha256, sha256(original));
  } finally {
    await tm.m.close();
  }
});

test("http: every response corrupted → fails after bounded retries with no file in place", async (t) => {
  const proxy = await startHttpFaultProxy(peer.url, () => ({ kind: "flip", bodyOffset: 123_456 }));
  t.after(() => proxy.close());
  const out = path.join(work.dir, "flip-http");
  const tm = await startManager({ dataDir: path.join(work.dir, "flip-http-db"), downloadDir: out, transport: "http" });
  try {
    const id = await tm.m.enqueue({ url: proxy.url, key: peer.key }, "share/f.bin");
    const done = await tm.m.wait(id);
    assert.equal(done.status, "failed");
    assert.equal(done.error?.code, "digest-mismatch-repeated");
    assert.equal(await exists(path.join(out, "f.bin")), false, "never a wrong file in place");
    assert.equal(proxy.requests.length, 2, "two attempts (maxDigestMismatches = 2)");
  } finally {
    await tm.m.close();
  }
});

test("http: a corrupted first response is discarded; the second attempt is verified", async (t) => {
  const proxy = await startHttpFaultProxy(peer.url, (n) => (n === 0 ? { kind: "flip", bodyOffset: 5 } : undefined));
  t.after(() => proxy.close());
  const out = path.join(work.dir, "flip-http-once");
  const tm = await startManager({ dataDir: path.join(work.dir, "flip-http-once-db"), downloadDir: out, transport: "http" });
  try {
    const id = await tm.m.enqueue({ url: proxy.url, key: peer.key }, "share/g.bin");
    const done = await tm.m.wait(id);
    assert.equal(done.status, "completed", JSON.stringify(done.error));
    assert.deepEqual(await readFileP(path.join(out, "g.bin")), original);
    assert.equal(proxy.requests[1]?.range, undefined, "the retry starts from byte 0 (no Range)");
  } finally {
    await tm.m.close();
  }
});
