/**
 * rawH2Request (client/transfer/raw-h2/h2-exchange.ts) on real sockets: node:http2 servers,
 * odd where our own server cannot be (padding on every frame, a frame above our limit from a
 * raw socket), the request as a server decodes it, flow control against a server that would
 * send 16 MiB, an abort. ReadFile round trips against our real server are in
 * test/bench/fast-path.test.ts (the "transient" path) and test/e2e/download-hostile-h2.test.ts.
 */
import assert from "node:assert/strict";
import http2 from "node:http2";
import net from "node:net";
import { test } from "node:test";
import { layoutHoldBytes, rawH2Request } from "../../../../client/transfer/raw-h2/h2-request.js";
import { H2Error, RECEIVE_WINDOW } from "../../../../client/transfer/raw-h2/h2-frames.js";
import { data, headers, OK_GRPC, SERVER_SETTINGS } from "./h2-fixtures.js";
import { listenLoopback, readCopying } from "../../../helpers/read-areas.js";

const pattern = (n: number): Buffer => Buffer.from(Array.from({ length: n }, (_, i) => (i * 7 + (i >> 8)) & 0xff));

const listen = (server: net.Server | http2.Http2Server): Promise<URL> =>
  listenLoopback(server, "/peer.v1.PeerService/ReadFile?x=1");

function h2Server(
  onStream: (stream: http2.ServerHttp2Stream, headers: http2.IncomingHttpHeaders) => void,
  options: http2.ServerOptions = {},
) {
  const server = http2.createServer(options);
  const sessions = new Set<http2.ServerHttp2Session>();
  server.on("session", (s) => {
    sessions.add(s);
    s.on("error", () => undefined);
    s.on("close", () => sessions.delete(s));
  });
  server.on("stream", (stream, h) => {
    stream.on("error", () => undefined);
    onStream(stream, h);
  });
  return {
    server,
    close: () => {
      for (const s of sessions) s.destroy();
      server.close();
    },
  };
}

async function readAll(url: URL, signal = new AbortController().signal) {
  const res = await rawH2Request({
    url,
    headers: { "content-type": "application/grpc+proto", te: "trailers", authorization: "Bearer k" },
    body: Buffer.from("hello"),
    signal,
    holdBytes: layoutHoldBytes(1 << 20),
  });
  return { res, body: await readCopying(res.body) };
}

test("the request as node:http2 decodes it: method, path, authority, headers, body", async (t) => {
  let seen: { headers: http2.IncomingHttpHeaders; body: Buffer } | undefined;
  const s = h2Server((stream, h) => {
    const parts: Buffer[] = [];
    stream.on("data", (c: Buffer) => parts.push(c));
    stream.on("end", () => {
      seen = { headers: h, body: Buffer.concat(parts) };
      stream.respond({ ":status": 200, "content-type": "application/grpc+proto" }, { waitForTrailers: true });
      stream.on("wantTrailers", () => stream.sendTrailers({ "grpc-status": "0" }));
      stream.end(Buffer.from("ok"));
    });
  });
  t.after(() => s.close());
  const url = await listen(s.server);
  const { res, body } = await readAll(url);
  assert.equal(res.status, 200);
  assert.equal(body.toString(), "ok");
  assert.equal(res.trailers().get("grpc-status"), "0");
  assert.equal(seen?.headers[":method"], "POST");
  assert.equal(seen?.headers[":path"], "/peer.v1.PeerService/ReadFile?x=1");
  assert.equal(seen?.headers[":authority"], url.host);
  assert.equal(seen?.headers[":scheme"], "http");
  assert.equal(seen?.headers.te, "trailers");
  assert.equal(seen?.headers.authorization, "Bearer k");
  assert.equal(seen?.body.toString(), "hello");
});

test("every frame padded to the most (node:http2 PADDING_STRATEGY_MAX): the same bytes", async (t) => {
  const payload = pattern(5 * 1024 * 1024 + 3);
  const s = h2Server(
    (stream) => {
      stream.resume();
      stream.respond({ ":status": 200, "content-type": "application/grpc+proto", "x-long": "v".repeat(3000) });
      stream.end(payload);
    },
    { paddingStrategy: http2.constants.PADDING_STRATEGY_MAX },
  );
  t.after(() => s.close());
  const { res, body } = await readAll(await listen(s.server));
  assert.equal(res.headers.get("x-long"), "v".repeat(3000));
  assert.ok(body.equals(payload));
});

test("a frame above our 16 KiB limit from a raw server: FRAME_SIZE_ERROR, a GOAWAY saying so, the call fails", async (t) => {
  let goawayCode: number | undefined;
  const server = net.createServer((socket) => {
    let got = Buffer.alloc(0);
    socket.on("data", (c: Buffer) => {
      got = Buffer.concat([got, c]);
      // Our GOAWAY: type 7, its code at payload offset 4.
      for (let at = 24; at + 9 <= got.length; at += 9 + got.readUIntBE(at, 3))
        if (got[at + 3] === 7 && at + 17 <= got.length) goawayCode = got.readUInt32BE(at + 13);
    });
    socket.on("error", () => undefined);
    socket.write(Buffer.concat([SERVER_SETTINGS, headers(OK_GRPC), data(Buffer.alloc(20_000))]));
  });
  t.after(() => server.close());
  await assert.rejects(readAll(await listen(server)), (e: Error) => /above the 16384/.test(e.message));
  await new Promise((r) => setTimeout(r, 50)); // let the GOAWAY arrive (it was written before the close)
  assert.equal(goawayCode, H2Error.FRAME_SIZE_ERROR);
});

test("flow control on a real socket: a reader that stops is sent at most one window more than it took", async (t) => {
  const total = 16 * 1024 * 1024;
  let serverSocket: net.Socket | undefined;
  const s = h2Server((stream) => {
    stream.resume();
    stream.respond({ ":status": 200, "content-type": "application/grpc+proto" });
    stream.end(pattern(total));
  });
  s.server.on("connection", (socket: net.Socket) => {
    serverSocket = socket;
  });
  t.after(() => s.close());
  const res = await rawH2Request({
    url: await listen(s.server),
    headers: {},
    body: new Uint8Array(0),
    signal: new AbortController().signal,
    holdBytes: layoutHoldBytes(1 << 20),
  });
  let taken = 0;
  const check = pattern(total);
  let stalled = false;
  for (;;) {
    const r = await res.body.next();
    if (r.done === true) break;
    assert.ok(Buffer.from(r.value).equals(check.subarray(taken, taken + r.value.length)), `bytes at ${taken}`);
    taken += r.value.length;
    if (!stalled && taken >= 2 * 1024 * 1024) {
      stalled = true;
      const before = serverSocket?.bytesWritten ?? 0;
      await new Promise((r) => setTimeout(r, 300));
      const after = serverSocket?.bytesWritten ?? 0;
      // DATA the server sent ≤ what we took + one window (framing: 9 bytes per 16 KiB, and the head).
      assert.ok(after <= taken + RECEIVE_WINDOW + 64 * 1024, `sent ${after} with ${taken} taken`);
      assert.ok(after - before <= RECEIVE_WINDOW, "a stalled reader is not sent more than its window");
    }
  }
  assert.equal(taken, total);
});

test("an abort mid-body resets the stream with CANCEL and rejects the pending read", async (t) => {
  let rstCode: number | undefined;
  const closed = new Promise<void>((resolve) => {
    const s = h2Server((stream) => {
      stream.resume();
      stream.on("close", () => {
        rstCode = stream.rstCode;
        resolve();
      });
      stream.respond({ ":status": 200, "content-type": "application/grpc+proto" });
      stream.write(pattern(100_000)); // and never ends
    });
    t.after(() => s.close());
    void listen(s.server).then((url) => start(url));
  });
  const ctl = new AbortController();
  let rejected: unknown;
  async function start(url: URL): Promise<void> {
    const res = await rawH2Request({
      url,
      headers: {},
      body: new Uint8Array(0),
      signal: ctl.signal,
      holdBytes: layoutHoldBytes(1 << 20),
    });
    for (let got = 0; got < 50_000; ) got += ((await res.body.next()).value as Uint8Array).length;
    const pending = res.body.next().catch((e: unknown) => (rejected = e));
    ctl.abort();
    await pending;
  }
  await closed;
  assert.equal(rstCode, H2Error.CANCEL);
  assert.equal((rejected as Error | undefined)?.name, "AbortError");
});
