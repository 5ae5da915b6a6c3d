/**
 * One port for HTTP/1.1 and h2c: preface sniffing (pure table, then real
 * sockets with split prefaces, silent and truncated connections), and TLS
 * with ALPN h2 / http/1.1.
 */
import { selfSignedCert } from "../helpers/self-signed-cert.js";
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { mkdtemp, rm } from "node:fs/promises";
import http2 from "node:http2";
import net from "node:net";
import tls from "node:tls";
import os from "node:os";
import path from "node:path";
import { Code, ConnectError, createClient } from "@connectrpc/connect";
import { createConnectTransport, createGrpcTransport } from "@connectrpc/connect-node";
import { Health, HealthCheckResponse_ServingStatus } from "../../gen/grpc/health/v1/health_pb.js";
import { PeerService } from "../../gen/peer/v1/peer_pb.js";
import { sniffPreface } from "../../server/listen.js";
import { peerTransport, startTestPeer, type TestPeer } from "../helpers/peer-server.js";

const PREFACE = "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n";

describe("sniffPreface", () => {
  const cases: Array<[string, string, "h2" | "http1" | "more"]> = [
    ["empty", "", "more"],
    ["first byte of the preface", "P", "more"],
    ["half the preface", PREFACE.slice(0, 12), "more"],
    ["all but the last byte", PREFACE.slice(0, -1), "more"],
    ["the preface", PREFACE, "h2"],
    ["the preface and a frame", PREFACE + "\x00\x00\x00\x04", "h2"],
    ["POST shares the first byte", "PO", "http1"],
    ["PUT shares the first byte", "PU", "http1"],
    ["PRI with HTTP/1.1", "PRI * HTTP/1.1\r\n", "http1"],
    ["GET", "GET / HTTP/1.1\r\n", "http1"],
    ["TLS client hello to a cleartext port", "\x16\x03\x01", "http1"],
    ["lower-case pri", "pri", "http1"],
  ];
  for (const [name, input, expected] of cases) {
    test(name, () => assert.equal(sniffPreface(Buffer.from(input, "latin1")), expected));
  }
});

/** A TCP proxy that forwards the first `splitBytes` client bytes one at a time, with pauses. */
async function splittingProxy(target: number, splitBytes: number): Promise<{ port: number; close(): Promise<void> }> {
  const sockets = new Set<net.Socket>();
  const server = net.createServer((client) => {
    const upstream = net.connect(target, "127.0.0.1");
    sockets.add(client).add(upstream);
    let sent = 0;
    let chain = Promise.resolve();
    client.on("data", (chunk: Buffer) => {
      chain = chain.then(async () => {
        for (let i = 0; i < chunk.length; i++) {
          if (sent < splitBytes) {
            upstream.write(chunk.subarray(i, i + 1));
            sent++;
            await new Promise((r) => setTimeout(r, 2));
          } else {
            upstream.write(chunk.subarray(i));
            return;
          }
        }
      });
    });
    upstream.on("data", (d) => client.write(d));
    const end = () => {
      client.destroy();
      upstream.destroy();
    };
    client.on("close", end).on("error", end);
    upstream.on("close", end).on("error", end);
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  return {
    port: (server.address() as net.AddressInfo).port,
    close: async () => {
      for (const s of sockets) s.destroy();
      await new Promise((r) => server.close(r));
    },
  };
}

describe("one cleartext port", () => {
  let peer: TestPeer;
  before(async () => {
    peer = await startTestPeer({ files: { "a.txt": "abc" }, sniffTimeoutMs: 300 });
  });
  after(() => peer.close());

  test("an h2c preface split across many reads still reaches HTTP/2 (gRPC)", async () => {
    const proxy = await splittingProxy(peer.server.port, PREFACE.length + 10);
    try {
      const health = createClient(Health, createGrpcTransport({ baseUrl: `http://127.0.0.1:${proxy.port}` }));
      const res = await health.check({});
      assert.equal(res.status, HealthCheckResponse_ServingStatus.SERVING);
    } finally {
      await proxy.close();
    }
  });

  test("an HTTP/1.1 POST split after its first byte (which matches the preface) reaches HTTP/1.1", async () => {
    const proxy = await splittingProxy(peer.server.port, 8);
    try {
      const client = createClient(
        PeerService,
        createConnectTransport({
          baseUrl: `http://127.0.0.1:${proxy.port}`,
          httpVersion: "1.1",
          acceptCompression: [],
        }),
      );
      const res = await client.statItem({ itemId: "share/a.txt" }, { headers: { "x-api-key": peer.key } });
      assert.equal(res.item?.size, 3n);
    } finally {
      await proxy.close();
    }
  });

  for (const [name, bytes] of [
    ["a silent connection", ""],
    ["a connection stuck mid-preface", PREFACE.slice(0, 10)],
  ] as const) {
    test(`${name} is closed by the server after the sniff timeout`, async () => {
      const socket = net.connect(peer.server.port, "127.0.0.1");
      await new Promise<void>((r) => socket.once("connect", () => r()));
      if (bytes) socket.write(bytes);
      socket.resume();
      const closed = await new Promise<boolean>((resolve) => {
        const timer = setTimeout(() => resolve(false), 20_000);
        socket.once("close", () => {
          clearTimeout(timer);
          resolve(true);
        });
      });
      assert.ok(closed, "the server closed the connection");
    });
  }

  test("garbage gets an HTTP/1.1 400, not a hang", async () => {
    const socket = net.connect(peer.server.port, "127.0.0.1");
    let reply = "";
    socket.on("data", (d) => (reply += d.toString("latin1")));
    socket.write("\x16\x03\x01 this is not http\r\n\r\n");
    await new Promise((r) => socket.once("close", r));
    assert.match(reply, /^HTTP\/1\.1 400/);
  });

  test("prior-knowledge HTTP/2 with node's own client", async () => {
    const session = http2.connect(peer.url);
    try {
      const status = await new Promise<number>((resolve, reject) => {
        const req = session.request({ ":path": "/no/such/route" });
        req.on("response", (h) => resolve(Number(h[":status"])));
        req.on("error", reject);
        req.resume();
        req.end();
      });
      assert.equal(status, 404);
    } finally {
      session.close();
    }
  });
});

describe("TLS with ALPN", () => {
  let dir: string;
  let peer: TestPeer;
  let ca: Buffer;
  before(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), "peer-tls-"));
    const { certFile, keyFile, ca: cert } = await selfSignedCert(dir);
    ca = cert;
    peer = await startTestPeer({ files: { "a.txt": "abc" }, tls: { certFile, keyFile }, headersTimeoutMs: 500 });
  });
  after(async () => {
    await peer?.close();
    await rm(dir, { recursive: true, force: true });
  });

  test("the URL is https", () => assert.match(peer.url, /^https:\/\/127\.0\.0\.1:\d+$/));

  test("gRPC over h2 (ALPN h2)", async () => {
    const client = createClient(
      PeerService,
      createGrpcTransport({ baseUrl: peer.url, acceptCompression: [], nodeOptions: { ca } }),
    );
    let bytes = "";
    for await (const m of client.readFile({ itemId: "share/a.txt" }, { headers: { "x-api-key": peer.key } })) {
      bytes += Buffer.from(m.data).toString();
    }
    assert.equal(bytes, "abc");
  });

  test("a TLS HTTP/1.1 client that never finishes its headers is cut off", async () => {
    const socket = tls.connect({ host: "127.0.0.1", port: peer.server.port, ca, ALPNProtocols: ["http/1.1"] });
    socket.on("error", () => undefined);
    await new Promise<void>((r) => socket.once("secureConnect", () => r()));
    assert.equal(socket.alpnProtocol, "http/1.1");
    socket.write("GET /v1/files/share/a.txt HTTP/1.1\r\nHost: x\r\n");
    const dripping = setInterval(() => socket.write("X-Slow: 1\r\n"), 100);
    try {
      const closed = await new Promise<boolean>((resolve) => {
        const timer = setTimeout(() => resolve(false), 20_000);
        socket.once("close", () => {
          clearTimeout(timer);
          resolve(true);
        });
      });
      assert.ok(closed, "the server closed the connection");
    } finally {
      clearInterval(dripping);
      socket.destroy();
    }
  });

  test("Connect over HTTP/1.1 (ALPN http/1.1)", async () => {
    const client = createClient(
      PeerService,
      createConnectTransport({ baseUrl: peer.url, httpVersion: "1.1", acceptCompression: [], nodeOptions: { ca } }),
    );
    const res = await client.statItem({ itemId: "share/a.txt" }, { headers: { "x-api-key": peer.key } });
    assert.equal(res.item?.size, 3n);
  });
});

describe("limits against slow or greedy clients", () => {
  let peer: TestPeer;
  before(async () => {
    peer = await startTestPeer({
      files: { "a.txt": "abc" },
      headersTimeoutMs: 500,
      requestTimeoutMs: 1000,
      readMaxBytes: 4096,
    });
  });
  after(() => peer.close());

  test("a client that never finishes its headers is cut off (slowloris)", async () => {
    const socket = net.connect(peer.server.port, "127.0.0.1");
    let reply = "";
    socket.on("data", (d) => (reply += d.toString("latin1")));
    socket.on("error", () => undefined);
    socket.write("GET /v1/files/share/a.txt HTTP/1.1\r\nHost: x\r\n");
    const dripping = setInterval(() => socket.write("X-Slow: 1\r\n"), 100);
    try {
      const closed = await new Promise<boolean>((resolve) => {
        const timer = setTimeout(() => resolve(false), 20_000);
        socket.once("close", () => {
          clearTimeout(timer);
          resolve(true);
        });
      });
      assert.ok(closed, "the server closed the connection");
      assert.doesNotMatch(reply, /^HTTP\/1\.1 200/);
    } finally {
      clearInterval(dripping);
      socket.destroy();
    }
  });

  test("a request message above readMaxBytes is refused", async () => {
    const client = createClient(
      PeerService,
      createConnectTransport({ baseUrl: peer.url, httpVersion: "1.1", acceptCompression: [] }),
    );
    await assert.rejects(
      client.statItem({ itemId: "share/" + "x".repeat(8192) }, { headers: { "x-api-key": peer.key } }),
      (e: unknown) => ConnectError.from(e).code === Code.ResourceExhausted,
    );
    // A normal request on the same server still works.
    assert.equal(
      (await client.statItem({ itemId: "share/a.txt" }, { headers: { "x-api-key": peer.key } })).item?.size,
      3n,
    );
  });
});

describe("addresses", () => {
  test("IPv6 loopback: the URL brackets the address, and every protocol works", async () => {
    const peer = await startTestPeer({ files: { "a.txt": "abc" }, host: "::1" });
    try {
      assert.match(peer.url, /^http:\/\/\[::1\]:\d+$/);
      for (const protocol of ["connect", "grpc", "grpc-web"] as const) {
        const client = createClient(PeerService, peerTransport(peer.url, protocol));
        const res = await client.statItem({ itemId: "share/a.txt" }, { headers: { "x-api-key": peer.key } });
        assert.equal(res.item?.size, 3n, protocol);
      }
    } finally {
      await peer.close();
    }
  });

  test("a port in use is a clear error, and nothing is left open", async () => {
    const first = await startTestPeer();
    try {
      await assert.rejects(startTestPeer({ port: first.server.port }), /port \d+ on 127\.0\.0\.1 is in use/);
    } finally {
      await first.close();
    }
  });
});

describe("malformed authorities do not crash the server", () => {
  let peer: TestPeer;
  before(async () => {
    peer = await startTestPeer({ files: { "a.txt": "abc" } });
  });
  after(() => peer.close());

  const statPath = `/peer.v1.PeerService/StatItem?encoding=json&message=${encodeURIComponent(JSON.stringify({ itemId: "share/a.txt" }))}`;

  /** Sends raw HTTP/1.x and returns the status line. */
  async function raw(request: string): Promise<string> {
    const socket = net.connect(peer.server.port, "127.0.0.1");
    let reply = "";
    socket.on("data", (d) => (reply += d.toString("latin1")));
    socket.on("error", () => undefined);
    socket.write(request);
    await new Promise((r) => socket.once("close", r));
    return reply.split("\r\n")[0] ?? "";
  }

  test("HTTP/1.0 without Host", async () => {
    const status = await raw(`GET ${statPath} HTTP/1.0\r\nX-Api-Key: ${peer.key}\r\n\r\n`);
    assert.match(status, /^HTTP\/1\.[01] 200/);
  });

  test("HTTP/1.1 with a Host that URL parsing rejects", async () => {
    const status = await raw(
      `GET ${statPath} HTTP/1.1\r\nHost: x:99999\r\nX-Api-Key: ${peer.key}\r\nConnection: close\r\n\r\n`,
    );
    assert.match(status, /^HTTP\/1\.1 200/);
  });

  test("HTTP/2 with an unbracketed IPv6 :authority (what node's own client sends for [::1])", async () => {
    const session = http2.connect(peer.url);
    try {
      const status = await new Promise<number>((resolve, reject) => {
        const req = session.request({ ":path": statPath, ":authority": "::1:1234", "x-api-key": peer.key });
        req.on("response", (h) => resolve(Number(h[":status"])));
        req.on("error", reject);
        req.resume();
        req.end();
      });
      assert.equal(status, 200);
    } finally {
      session.close();
    }
    // Still serving.
    const res = await fetch(peer.url + statPath, { headers: { "x-api-key": peer.key } });
    assert.equal(res.status, 200);
  });
});
