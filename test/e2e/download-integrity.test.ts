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
import { isFileRead, startTcpProxy } from "../helpers/proxy-tcp.js";
import { startHttpFaultProxy } from "../helpers/proxy-http.js";
import { startManager, tempDir, waitFor } from "../helpers/download-fixtures.js";

let peer: TestPeer;
let work: { dir: string; remove: () => Promise<void> };
const original = randomBytes(1024 * 1024 + 99);
const chunkListeners = new Set<(itemId: string, offset: number, bytes: number) => void>();

before(async () => {
  peer = await startTestPeer({
    files: { "c.bin": original, "d.bin": original, "e.bin": original, "f.bin": original, "g.bin": original },
    hooks: {
      onChunkRead: (id, offset, bytes) => {
        for (const l of chunkListeners) l(id, offset, bytes);
      },
    },
  });
  work = await tempDir();
  // The peer hashes in the background: wait until it knows the digests.
  const client = createPeerClient({ baseUrl: peer.url, apiKey: peer.key });
  for (const name of ["e.bin", "f.bin", "g.bin"]) {
    await waitFor(
      async () => ((await client.statItem(`share/${name}`)).sha256 !== "" ? true : undefined),
      `digest of ${name}`,
    );
  }
  client.close();
});
after(async () => {
  await peer.close();
  await work.remove();
});

const exists = async (p: string) =>
  readFileP(p).then(
    () => true,
    () => false,
  );

for (const transport of ["connect", "http"] as const) {
  test(`${transport}: the file changes between attempts → restart from 0, the final file is the new version`, async (t) => {
    const name = transport === "connect" ? "c.bin" : "d.bin";
    let reads = 0;
    const proxy = await startTcpProxy({
      targetPort: Number(new URL(peer.url).port),
      plan: (_i, request) => (isFileRead(request) && reads++ < 2 ? { dropAfter: 400_000 } : undefined),
    });
    t.after(() => proxy.close());
    const out = path.join(work.dir, `changed-${transport}`);
    const tm = await startManager({
      dataDir: path.join(work.dir, `changed-db-${transport}`),
      downloadDir: out,
      transport,
      checkpointBytes: 64 * 1024,
    });
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
  const proxy = await startTcpProxy({
    targetPort: Number(new URL(peer.url).port),
    plan: () => ({ dropAfter: 300_000 }),
  });
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

const NO_PIECES = ["/peer.v1.PeerService/GetPieceHashes"];
const PIECE = 16 * 1024; // the piece length rule gives 16 KiB pieces for a 1 MiB file

test("rpc: one byte flipped on the wire mid-file → exactly that piece is read again, no restart, ≤ 2 pieces re-sent", async (t) => {
  const flipAt = 600_000;
  let reads = 0;
  const proxy = await startTcpProxy({
    targetPort: Number(new URL(peer.url).port),
    plan: (_i, request) => (isFileRead(request) && reads++ === 0 ? { flipAt } : undefined),
  });
  t.after(() => proxy.close());
  const out = path.join(work.dir, "flip-rpc");
  const read = readCounter("share/e.bin");
  const tm = await startManager({ dataDir: path.join(work.dir, "flip-rpc-db"), downloadDir: out });
  try {
    const id = await tm.m.enqueue({ url: proxy.url, key: peer.key }, "share/e.bin");
    const done = await tm.m.wait(id);
    assert.equal(done.status, "completed", JSON.stringify(done.error));
    assert.deepEqual(await readFileP(path.join(out, "e.bin")), original);
    assert.equal(tm.of("restarted").length, 0, "never a restart from 0 for one bad piece");
    const failed = tm.of("piece-failed");
    assert.equal(failed.length, 1, JSON.stringify(failed));
    // The flip is in the proxy's stream (framing included), so the piece is the one holding that byte, or the one before.
    assert.ok(Math.abs(failed[0]!.index - Math.floor(flipAt / PIECE)) <= 1, `piece ${failed[0]!.index}`);
    assert.equal(failed[0]!.source, proxy.url);
    const completed = tm.of("completed")[0]!;
    assert.equal(completed.verified, "pieces root");
    assert.match(completed.piecesRoot ?? "", /^[0-9a-f]{64}$/);
    assert.ok(read() - original.length <= 2 * PIECE, `re-sent ${read() - original.length} bytes`);
  } finally {
    await tm.m.close();
  }
});

test("http: every response corrupted at its first bytes → bad pieces, bounded attempts, no file in place", async (t) => {
  const proxy = await startHttpFaultProxy(peer.url, () => ({ kind: "flip", bodyOffset: 5 }));
  t.after(() => proxy.close());
  const out = path.join(work.dir, "flip-http");
  const tm = await startManager({ dataDir: path.join(work.dir, "flip-http-db"), downloadDir: out, transport: "http" });
  try {
    const id = await tm.m.enqueue({ url: proxy.url, key: peer.key }, "share/f.bin");
    const done = await tm.m.wait(id);
    assert.equal(done.status, "failed");
    assert.equal(done.error?.code, "digest-mismatch-repeated");
    assert.equal(await exists(path.join(out, "f.bin")), false, "never a wrong file in place");
    assert.ok(
      tm.of("piece-failed").every((e) => e.index === 0),
      "only piece 0 was bad",
    );
    assert.ok(
      proxy.requests.slice(1).every((r) => r.range === `bytes=0-${PIECE - 1}`),
      "piece 0 was asked alone",
    );
  } finally {
    await tm.m.close();
  }
});

test("http, peer without piece hashes: a corrupted response fails the SHA-256; the retry from 0 is verified", async (t) => {
  const proxy = await startHttpFaultProxy(peer.url, (n) => (n === 0 ? { kind: "flip", bodyOffset: 5 } : undefined), {
    block: NO_PIECES,
  });
  t.after(() => proxy.close());
  const out = path.join(work.dir, "flip-http-once");
  const tm = await startManager({
    dataDir: path.join(work.dir, "flip-http-once-db"),
    downloadDir: out,
    transport: "http",
  });
  try {
    const id = await tm.m.enqueue({ url: proxy.url, key: peer.key }, "share/g.bin");
    const done = await tm.m.wait(id);
    assert.equal(done.status, "completed", JSON.stringify(done.error));
    assert.deepEqual(await readFileP(path.join(out, "g.bin")), original);
    assert.equal(proxy.requests[1]?.range, undefined, "the retry starts from byte 0 (no Range)");
    const completed = tm.of("completed")[0]!;
    assert.equal(completed.verified, "sha256");
    assert.equal(completed.piecesRoot, null);
    assert.equal(tm.of("restarted").length, 1);
  } finally {
    await tm.m.close();
  }
});

/** Bytes the peer read from disk for `itemId` from now on (its ReadFile/HTTP chunks). */
function readCounter(itemId: string): () => number {
  let n = 0;
  chunkListeners.add((id, _offset, bytes) => {
    if (id === itemId) n += bytes;
  });
  return () => n;
}
