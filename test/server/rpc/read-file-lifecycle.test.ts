/**
 * ReadFile over time: a client abort stops the server's disk reads; a file
 * that changes mid-stream ends it with ABORTED (never two versions); the
 * stream limiter; all over every protocol, against a real server.
 */
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { appendFile, rename, rm, truncate, writeFile } from "node:fs/promises";
import path from "node:path";
import { Code, ConnectError } from "@connectrpc/connect";
import { PEER_PROTOCOLS, captureLogger, peerClient, startTestPeer, type TestPeer } from "../../helpers/peer-server.js";

const MiB = 1024 * 1024;

/** Resolves when `check` is true, polling; rejects after `timeoutMs` (generous: slow CI). */
async function waitFor(check: () => boolean, what: string, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

describe("client abort stops the server's reads", () => {
  let peer: TestPeer;
  const reads: { itemId: string; at: number }[] = [];
  const log = captureLogger();
  before(async () => {
    peer = await startTestPeer({
      logger: log.logger,
      hooks: { onChunkRead: (itemId) => reads.push({ itemId, at: Date.now() }) },
    });
    await truncate(await touch(peer, "huge.bin"), 256 * MiB); // sparse: cheap to create
  });
  after(() => peer.close());

  for (const protocol of PEER_PROTOCOLS) {
    test(protocol, async () => {
      const client = peerClient(peer.url, protocol);
      const controller = new AbortController();
      const stream = client.readFile(
        { itemId: "share/huge.bin", chunkSize: 16 * 1024 },
        { headers: { authorization: `Bearer ${peer.key}` }, signal: controller.signal },
      );
      // Consume actively, so the server is busy reading when the abort arrives
      // (not parked on backpressure), then abort mid-stream.
      let received = 0;
      let abortedAt = 0;
      await assert.rejects(
        (async () => {
          for await (const m of stream) {
            received += m.data.length;
            if (received >= 4 * MiB && abortedAt === 0) {
              abortedAt = Date.now();
              controller.abort();
            }
          }
        })(),
        (e: unknown) => ConnectError.from(e).code === Code.Canceled,
      );
      assert.ok(abortedAt > 0);
      // The server releases the stream slot and logs the call once it sees the abort.
      await waitFor(() => peer.server.limiter.active() === 0, "the server to release the stream");
      await waitFor(
        () => log.lines.some((l) => l.method === "peer.v1.PeerService/ReadFile" && l.code === "canceled"),
        "the call's log line",
      );
      await new Promise((r) => setTimeout(r, 300));
      const countAtEnd = reads.length;
      await new Promise((r) => setTimeout(r, 300));
      assert.equal(reads.length, countAtEnd, "no disk reads after the stream ended");
      const last = reads[reads.length - 1];
      assert.ok(last, "some chunks were read");
      // docs/protocol.md: reading stops as soon as the call's signal aborts.
      assert.ok(last.at - abortedAt < 1000, `last read ${last.at - abortedAt} ms after the abort`);
      assert.ok(reads.length * 16 * 1024 < 256 * MiB, "the server did not read the whole file");
      reads.length = 0;
      // One log line for the call, with the key id and the bytes sent, never the key.
      const line = log.lines.find((l) => l.method === "peer.v1.PeerService/ReadFile");
      assert.equal(line?.item, "share/huge.bin");
      assert.equal(line?.keyId, peer.keyId);
      assert.equal(typeof line?.durationMs, "number");
      assert.ok(Number(line?.bytes) > 0);
      assert.ok(!log.text().includes(peer.key), "the key never appears in the log");
      log.lines.length = 0;
    });
  }
});

async function touch(peer: TestPeer, name: string, content: string | Buffer = ""): Promise<string> {
  const file = path.join(peer.shareDir, name);
  await writeFile(file, content);
  return file;
}

describe("a file that changes mid-stream ends it with ABORTED", () => {
  let peer: TestPeer;
  before(async () => {
    peer = await startTestPeer();
  });
  after(() => peer.close());

  const OLD = Buffer.alloc(48 * MiB, 0x41);
  const NEW = Buffer.alloc(48 * MiB, 0x42);
  const changes: Record<string, (file: string) => Promise<void>> = {
    "replaced by rename": async (file) => {
      await writeFile(file + ".new", NEW);
      await rename(file + ".new", file);
    },
    "appended to in place": (file) => appendFile(file, "more"),
    "truncated in place": (file) => truncate(file, MiB),
    deleted: (file) => rm(file),
  };

  for (const protocol of PEER_PROTOCOLS) {
    for (const [change, apply] of Object.entries(changes)) {
      test(`${protocol}: ${change}`, async () => {
        const name = `f-${protocol}-${change.replace(/\W+/g, "-")}.bin`;
        const file = await touch(peer, name, OLD);
        const client = peerClient(peer.url, protocol);
        const controller = new AbortController();
        const received: Buffer[] = [];
        let error: ConnectError | undefined;
        try {
          let changed = false;
          for await (const m of client.readFile(
            { itemId: `share/${name}`, chunkSize: 16 * 1024 },
            { headers: { authorization: `Bearer ${peer.key}` }, signal: controller.signal },
          )) {
            received.push(Buffer.from(m.data));
            if (!changed) {
              changed = true;
              await apply(file);
            }
          }
        } catch (e) {
          error = ConnectError.from(e);
        } finally {
          controller.abort();
        }
        assert.equal(error?.code, Code.Aborted, `expected ABORTED, got ${error ? Code[error.code] : "OK"}`);
        const bytes = Buffer.concat(received);
        assert.ok(bytes.length < OLD.length, "the stream did not complete");
        assert.ok(
          bytes.every((b) => b === 0x41),
          "only bytes of the old version were sent",
        );
        await rm(file, { force: true });
      });
    }
  }
});

describe("stream limiter", () => {
  let peer: TestPeer;
  let otherKey: string;
  let thirdKey: string;
  before(async () => {
    peer = await startTestPeer({ maxStreamsPerKey: 2, maxStreams: 3, retryAfterMs: 1234 });
    await truncate(await touch(peer, "big.bin"), 64 * MiB);
    otherKey = (await peer.server.keys.create({ name: "other" })).key;
    thirdKey = (await peer.server.keys.create({ name: "third" })).key;
  });
  after(() => peer.close());

  /** Opens a ReadFile stream and waits for its first message; returns its abort. */
  async function hold(protocol: (typeof PEER_PROTOCOLS)[number], key: string): Promise<() => void> {
    const controller = new AbortController();
    const it = peerClient(peer.url, protocol)
      .readFile(
        { itemId: "share/big.bin", chunkSize: 16 * 1024 },
        { headers: { authorization: `Bearer ${key}` }, signal: controller.signal },
      )
      [Symbol.asyncIterator]();
    const first = await it.next();
    assert.equal(first.done, false);
    return () => controller.abort();
  }

  async function refused(protocol: (typeof PEER_PROTOCOLS)[number], key: string): Promise<ConnectError> {
    const controller = new AbortController();
    try {
      for await (const _ of peerClient(peer.url, protocol).readFile(
        { itemId: "share/big.bin" },
        { headers: { authorization: `Bearer ${key}` }, signal: controller.signal },
      )) {
        assert.fail("no message expected");
      }
      assert.fail("expected RESOURCE_EXHAUSTED");
    } catch (e) {
      return ConnectError.from(e);
    } finally {
      controller.abort();
    }
  }

  for (const protocol of PEER_PROTOCOLS) {
    test(`${protocol}: per key, then per server, with a retry-after-ms hint`, async () => {
      const releases = [await hold(protocol, peer.key), await hold(protocol, peer.key)];
      const perKey = await refused(protocol, peer.key);
      assert.equal(perKey.code, Code.ResourceExhausted);
      assert.equal(perKey.metadata.get("retry-after-ms"), "1234");
      releases.push(await hold(protocol, otherKey)); // another key still gets a stream
      const perServer = await refused(protocol, thirdKey);
      assert.equal(perServer.code, Code.ResourceExhausted);
      assert.match(perServer.message, /server/);
      assert.equal(perServer.metadata.get("retry-after-ms"), "1234");
      for (const release of releases) release();
      await waitFor(() => peer.server.limiter.active() === 0, "slots to be released");
      const again = await hold(protocol, peer.key);
      again();
      await waitFor(() => peer.server.limiter.active() === 0, "slot to be released");
    });
  }
});
