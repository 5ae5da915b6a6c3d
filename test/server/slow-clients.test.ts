/**
 * Slow and greedy clients on a real peer (docs/http.md "Limits"), with short
 * limits so the tests are quick: a partial request head is cut at the header
 * deadline counted from its first byte (request line + one header then
 * silence; one header byte per second; a trickled HTTP/2 preface), an HTTP/2
 * request body trickled past the request deadline gets 408 on its stream
 * while the session goes on, and connections over `maxConnections` are
 * refused while a download on an existing one goes on. Waits are for the
 * socket's 'close'; the bounds are generous safety nets, not measurements.
 */
import { selfSignedCert } from "../helpers/self-signed-cert.js";
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import http from "node:http";
import http2 from "node:http2";
import { mkdtemp, rm } from "node:fs/promises";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import tls from "node:tls";
import { defaultMaxConnections, parseOpenFilesLimit } from "../../server/limits/connection-limit.js";
import { startTestPeer, type TestPeer } from "../helpers/peer-server.js";

/** Resolves when `socket` closes; rejects after `safetyMs` (a hang is a failure, not a slow pass). */
function closed(socket: net.Socket, safetyMs: number): Promise<void> {
  return new Promise((resolve, reject) => {
    if (socket.closed) return resolve(); // already emitted 'close' (a flood's sockets close while others connect)
    const timer = setTimeout(() => reject(new Error(`still open after ${safetyMs} ms`)), safetyMs);
    socket.once("close", () => {
      clearTimeout(timer);
      resolve();
    });
  });
}

async function connect(port: number): Promise<net.Socket> {
  const socket = net.connect(port, "127.0.0.1");
  socket.on("error", () => undefined);
  await new Promise<void>((r) => socket.once("connect", () => r()));
  return socket;
}

describe("a partial request head is cut at the header deadline", () => {
  let peer: TestPeer;
  before(async () => {
    // Long idle and sniff limits: only the header deadline can close these connections.
    peer = await startTestPeer({
      files: { "a.txt": "abc" },
      headersTimeoutMs: 1000,
      requestTimeoutMs: 60_000,
      idleTimeoutMs: 600_000,
      keepAliveTimeoutMs: 600_000,
      sniffTimeoutMs: 1000,
    });
  });
  after(() => peer.close());

  for (const [name, head] of [
    ["a request line cut short", "GET /v1/files/"],
    ["a request line and one header, then silence", "GET /v1/files/share/a.txt HTTP/1.1\r\nHost: x\r\n"],
  ] as const) {
    test(`${name}: 408, then closed`, async () => {
      const socket = await connect(peer.server.port);
      let reply = "";
      socket.on("data", (d: Buffer) => (reply += d.toString("latin1")));
      socket.write(head);
      await closed(socket, 60_000);
      assert.match(reply, /^HTTP\/1\.1 408 /);
    });
  }

  test("one header byte per second (each byte is activity): cut all the same", async () => {
    const socket = await connect(peer.server.port);
    socket.write("GET /v1/files/share/a.txt HTTP/1.1\r\nHost: x\r\n");
    const trickle = setInterval(() => {
      if (!socket.destroyed) socket.write("X");
    }, 1000);
    try {
      // With the 1 s deadline and one byte a second, the server must cut long before the header ends.
      await closed(socket, 60_000);
    } finally {
      clearInterval(trickle);
    }
  });

  test("an HTTP/2 preface trickled a byte at a time: cut at the sniff deadline", async () => {
    const socket = await connect(peer.server.port);
    const preface = Buffer.from("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n", "latin1");
    let i = 0;
    const trickle = setInterval(() => {
      if (!socket.destroyed && i < preface.length - 1) socket.write(preface.subarray(i, ++i));
    }, 300);
    try {
      await closed(socket, 60_000);
      assert.ok(i < preface.length - 1, "closed before the whole preface could arrive");
    } finally {
      clearInterval(trickle);
    }
  });

  test("a complete request still works", async () => {
    const res = await fetch(`${peer.url}/v1/files/share/a.txt`, { headers: { "x-api-key": peer.key } });
    assert.equal(await res.text(), "abc");
  });
});

describe("HTTP/2: a trickled request body is cut at the request deadline", () => {
  let peer: TestPeer;
  before(async () => {
    peer = await startTestPeer({ files: { "a.txt": "abc" }, requestTimeoutMs: 1000, idleTimeoutMs: 600_000 });
  });
  after(() => peer.close());

  test("408 on the stream, the session and its next streams go on", async () => {
    const session = http2.connect(peer.url);
    session.on("error", () => undefined);
    try {
      const stream = session.request({
        ":method": "POST",
        ":path": "/peer.v1.PeerService/StatItem",
        "content-type": "application/json",
        "x-api-key": peer.key,
      });
      let status: number | undefined;
      stream.on("response", (headers) => (status = Number(headers[":status"])));
      stream.on("error", () => undefined);
      stream.resume();
      const body = '{"itemId":"share/a.txt"}';
      let i = 0;
      const trickle = setInterval(() => {
        if (!stream.destroyed && i < body.length - 1) stream.write(body[i++]);
      }, 200);
      try {
        await new Promise<void>((resolve, reject) => {
          const safety = setTimeout(() => reject(new Error("the stream is still open after 60 s")), 60_000);
          stream.once("close", () => {
            clearTimeout(safety);
            resolve();
          });
        });
      } finally {
        clearInterval(trickle);
      }
      assert.equal(status, 408);
      assert.ok(i < body.length - 1, "cut before the body could finish");
      // The same session serves the next request.
      const next = session.request({ ":path": "/v1/files/share/a.txt", "x-api-key": peer.key });
      let text = "";
      next.setEncoding("utf8").on("data", (d: string) => (text += d));
      await new Promise((r) => next.once("end", r));
      assert.equal(text, "abc");
    } finally {
      session.close();
    }
  });
});

describe("connections over the cap are refused while a download goes on", () => {
  let peer: TestPeer;
  const SIZE = 8 * 1024 * 1024;
  before(async () => {
    peer = await startTestPeer({ files: { "big.bin": Buffer.alloc(SIZE, 1) }, maxConnections: 3 });
  });
  after(() => peer.close());

  test("the 4th connection gets 503 and is closed; the running download completes; a slot frees on close", async () => {
    const agent = new http.Agent({ keepAlive: false });
    // One download, paused after its head: it holds connection 1 while the others come and go.
    const download = http.get(`${peer.url}/v1/files/share/big.bin`, { agent, headers: { "x-api-key": peer.key } });
    const res = await new Promise<http.IncomingMessage>((resolve, reject) =>
      download.once("response", resolve).once("error", reject),
    );
    res.pause();
    const idle = [await connect(peer.server.port), await connect(peer.server.port)];
    const over = await connect(peer.server.port);
    let reply = "";
    over.on("data", (d: Buffer) => (reply += d.toString("latin1")));
    over.write("GET /v1/files/share/big.bin HTTP/1.1\r\nHost: x\r\n\r\n");
    await closed(over, 60_000);
    assert.match(reply, /^HTTP\/1\.1 503 /);
    assert.match(reply, /\r\nRetry-After: 1\r\n/);

    let received = 0;
    res.on("data", (d: Buffer) => (received += d.length));
    const ended = new Promise((r) => res.once("end", r));
    res.resume();
    await ended;
    assert.equal(received, SIZE);

    for (const s of idle) {
      const done = closed(s, 60_000);
      s.destroy();
      await done;
    }
    // The server sees the closes on its own time: a bounded retry, until a request is answered.
    let status = 0;
    for (let attempt = 0; attempt < 100 && status !== 200; attempt++) {
      status = await fetch(`${peer.url}/v1/files/share/big.bin`, {
        headers: { "x-api-key": peer.key, range: "bytes=0-0" },
      })
        .then(async (r) => {
          await r.arrayBuffer();
          return r.status === 206 ? 200 : r.status;
        })
        .catch(() => 0);
      if (status !== 200) await new Promise((r) => setTimeout(r, 100));
    }
    assert.equal(status, 200);
    agent.destroy();
  });
});

describe("a flood over the cap", () => {
  let peer: TestPeer;
  before(async () => {
    peer = await startTestPeer({ files: { "a.txt": "abc" }, maxConnections: 2, idleTimeoutMs: 600_000 });
  });
  after(() => peer.close());

  test("60 connections at once over a cap of 2: every one closed (503 or not), the held ones still answer", async () => {
    const held = [await connect(peer.server.port), await connect(peer.server.port)];
    // Each reads what it gets (a 503 or nothing), as a client does: a paused socket never sees its end.
    const flood = await Promise.all(
      Array.from({ length: 60 }, () => connect(peer.server.port).then((s) => s.resume())),
    );
    await Promise.all(flood.map((s) => closed(s, 60_000)));
    for (const socket of held) {
      let reply = "";
      socket.on("data", (d: Buffer) => (reply += d.toString("latin1")));
      socket.write(
        `GET /v1/files/share/a.txt HTTP/1.1\r\nHost: x\r\nX-Api-Key: ${peer.key}\r\nConnection: close\r\n\r\n`,
      );
      await closed(socket, 60_000);
      assert.match(reply, /^HTTP\/1\.1 200 [\s\S]*abc$/);
    }
  });
});

describe("TLS: the handshake deadline and the cap at accept", () => {
  let dir: string;
  let peer: TestPeer;
  let ca: Buffer;
  before(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), "peer-tls-limits-"));
    const { certFile, keyFile, ca: cert } = await selfSignedCert(dir);
    ca = cert;
    peer = await startTestPeer({
      files: { "a.txt": "abc" },
      tls: { certFile, keyFile },
      sniffTimeoutMs: 500,
      maxConnections: 1,
      idleTimeoutMs: 600_000,
    });
  });
  after(async () => {
    await peer?.close();
    await rm(dir, { recursive: true, force: true });
  });

  test("a TCP connection that never starts its TLS handshake is cut", async () => {
    const socket = await connect(peer.server.port);
    await closed(socket, 60_000);
  });

  test("over the cap the TLS connection is closed; the open one still answers", async () => {
    const first = tls.connect({ host: "127.0.0.1", port: peer.server.port, ca, ALPNProtocols: ["http/1.1"] });
    first.on("error", () => undefined);
    await new Promise<void>((r) => first.once("secureConnect", () => r()));
    const second = tls.connect({ host: "127.0.0.1", port: peer.server.port, ca, ALPNProtocols: ["http/1.1"] });
    let secured = false;
    second.on("error", () => undefined).once("secureConnect", () => (secured = true));
    await closed(second, 60_000);
    assert.equal(secured, false, "no TLS session over the cap");
    let reply = "";
    first.on("data", (d: Buffer) => (reply += d.toString("latin1")));
    first.write(`GET /v1/files/share/a.txt HTTP/1.1\r\nHost: x\r\nX-Api-Key: ${peer.key}\r\nConnection: close\r\n\r\n`);
    await closed(first, 60_000);
    assert.match(reply, /^HTTP\/1\.1 200 [\s\S]*\r\n\r\nabc$/);
  });
});

describe("the default connection cap", () => {
  const limits = [
    "Limit                     Soft Limit           Hard Limit           Units     ",
    "Max open files            20000                20000                files     ",
  ].join("\n");
  const parse: Array<[string, string, number | undefined]> = [
    ["no such line", "Max processes 100 100 processes", undefined],
    ["unlimited", "Max open files            unlimited            unlimited            files", undefined],
    ["garbage", "Max open files            -1            x            files", undefined],
    ["empty", "", undefined],
    ["a real /proc/self/limits", limits, 20000],
  ];
  for (const [name, text, expected] of parse)
    test(`parse: ${name}`, () => assert.equal(parseOpenFilesLimit(text), expected));

  const cases: Array<[string, number | undefined, number, number]> = [
    ["a tiny limit: never below 16", 20, 64, 16],
    ["1024 descriptors, 64 streams: 896", 1024, 64, 896],
    ["4096 descriptors: capped at 1024", 4096, 64, 1024],
    ["many streams eat into the cap", 1024, 500, 460],
    ["unknown limit: 1024", undefined, 64, 1024],
  ];
  for (const [name, fdLimit, streams, expected] of cases)
    test(name, () => assert.equal(defaultMaxConnections(fdLimit, streams), expected));
});
