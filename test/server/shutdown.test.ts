/**
 * Graceful shutdown: close() refuses new calls, ends running streams on every
 * protocol, closes idle connections, and resolves within a few seconds.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { truncate, writeFile } from "node:fs/promises";
import path from "node:path";
import { Code, ConnectError, createClient } from "@connectrpc/connect";
import { Health, HealthCheckResponse_ServingStatus } from "../../gen/grpc/health/v1/health_pb.js";
import { openServerDatabase } from "../../server/store/database.js";
import { PEER_PROTOCOLS, captureLogger, peerClient, peerTransport, startTestPeer } from "../helpers/peer-server.js";

test("close() ends running streams, refuses new calls, and resolves promptly", async () => {
  const log = captureLogger();
  const peer = await startTestPeer({ logger: log.logger, closeGraceMs: 2000 });
  try {
    const file = path.join(peer.shareDir, "big.bin");
    await writeFile(file, "");
    await truncate(file, 128 * 1024 * 1024);
    const headers = { authorization: `Bearer ${peer.key}` };
    // One held stream per protocol: first message received, then the client stops reading.
    const held = await Promise.all(
      PEER_PROTOCOLS.map(async (protocol) => {
        const controller = new AbortController();
        const client = peerClient(peer.url, protocol);
        await client.handshake({}, { headers }); // leaves a keep-alive connection behind
        const it = client
          .readFile({ itemId: "share/big.bin", chunkSize: 16 * 1024 }, { headers, signal: controller.signal })
          [Symbol.asyncIterator]();
        assert.equal((await it.next()).done, false);
        return { protocol, it, controller };
      }),
    );
    assert.equal(peer.server.limiter.active(), 3);

    const started = Date.now();
    const closing = peer.server.close();
    // Every held stream ends (with an error: the server went away mid-stream), instead of hanging.
    for (const { protocol, it, controller } of held) {
      const outcome = await (async () => {
        try {
          for (;;) {
            const r = await it.next();
            if (r.done) return "completed";
          }
        } catch (e) {
          return ConnectError.from(e).code;
        } finally {
          controller.abort();
        }
      })();
      assert.notEqual(outcome, "completed", `${protocol}: a 128 MiB stream cannot have completed`);
      // Retryable either way: UNAVAILABLE from the shutdown, or ABORTED when the connection went first.
      assert.ok(
        outcome === Code.Unavailable || outcome === Code.Aborted,
        `${protocol}: ${outcome === "completed" ? outcome : Code[outcome]}`,
      );
    }
    await closing;
    const elapsed = Date.now() - started;
    assert.ok(elapsed < 15_000, `close() took ${elapsed} ms`);
    assert.equal(peer.server.limiter.active(), 0, "all stream slots released");
    await peer.server.close(); // idempotent

    // New calls are refused.
    for (const protocol of PEER_PROTOCOLS) {
      await assert.rejects(peerClient(peer.url, protocol).handshake({}, { headers }), (e: unknown) => {
        const code = ConnectError.from(e).code;
        return code === Code.Unavailable || code === Code.Aborted;
      });
    }
    assert.ok(log.lines.some((l) => l.msg === "peer server stopped"));
    // The database was closed cleanly: it opens again.
    const db = await openServerDatabase(peer.dataDir);
    await db.destroy();
  } finally {
    await peer.close();
  }
});

test("calls arriving while closing are refused on every protocol", async () => {
  const peer = await startTestPeer({ files: { "a.txt": "x" }, closeGraceMs: 1000 });
  try {
    const headers = { authorization: `Bearer ${peer.key}` };
    const clients = PEER_PROTOCOLS.map((protocol) => ({ protocol, client: peerClient(peer.url, protocol) }));
    for (const { client } of clients) await client.handshake({}, { headers }); // warm connections
    const closing = peer.server.close();
    for (const { protocol, client } of clients) {
      await assert.rejects(client.statItem({ itemId: "share/a.txt" }, { headers }), (e: unknown) => {
        const err = ConnectError.from(e);
        // HTTP/2: the session got GOAWAY, so the client's new stream is
        // REFUSED_STREAM (safe to retry; connect-node reports it as INTERNAL).
        // HTTP/1.1: idle keep-alive connections were closed and the port no
        // longer accepts: UNAVAILABLE, or, when the client raced to reuse the
        // closed connection, EPIPE/ECONNRESET (reported as INTERNAL/ABORTED).
        const ok =
          err.code === Code.Unavailable ||
          err.code === Code.Aborted ||
          /REFUSED_STREAM|EPIPE|ECONNRESET/.test(err.message);
        assert.ok(ok, `${protocol}: ${err.message}`);
        return ok;
      });
    }
    await closing;
  } finally {
    await peer.close();
  }
});

test("health Watch reports SERVING and ends when the server closes", async () => {
  const peer = await startTestPeer({ closeGraceMs: 1000 });
  try {
    const health = createClient(Health, peerTransport(peer.url, "grpc"));
    const controller = new AbortController();
    const it = health.watch({}, { signal: controller.signal })[Symbol.asyncIterator]();
    const first = await it.next();
    assert.equal(first.done, false);
    assert.equal(first.value?.status, HealthCheckResponse_ServingStatus.SERVING);
    const closing = peer.server.close();
    // The watch ends (cleanly or with an error) instead of hanging.
    await it.next().catch(() => undefined);
    controller.abort();
    await closing;
  } finally {
    await peer.close();
  }
});
