/**
 * client/transfer/raw-http/raw-request.ts against real loopback servers: node:http for
 * well-formed answers (length and chunked bodies), a raw TCP server for interim responses,
 * cut connections and malformed heads. Checks the bytes, that a view is never overwritten
 * while the caller holds it, and that faults surface as errors the engine classifies.
 */
import assert from "node:assert/strict";
import http from "node:http";
import net from "node:net";
import { test } from "node:test";
import { classify, DownloadError } from "../../../../client/errors.js";
import { rawRequest, requestBytes, type RawResponse } from "../../../../client/transfer/raw-http/raw-request.js";
import { listenLoopback, readCheckingHeldViews, readCopying, writeInPieces } from "../../../helpers/read-areas.js";

function pattern(length: number): Buffer {
  const b = Buffer.allocUnsafe(length);
  for (let i = 0; i < length; i++) b[i] = (i * 31 + (i >> 12)) & 255;
  return b;
}

const listen = (server: net.Server): Promise<URL> => listenLoopback(server);

async function close(server: net.Server): Promise<void> {
  (server as http.Server).closeAllConnections?.();
  await new Promise<void>((resolve) => server.close(() => resolve()));
}

/** Reads the body copying each chunk before asking for the next (as the piece assembler does). */
const readAll = (res: RawResponse): Promise<Buffer> => readCopying(res.body);

const BIG = pattern(3 * 1024 * 1024 + 12345);

test("a Content-Length body and a chunked body arrive byte for byte; the request is what was asked", async (t) => {
  let seen: { method?: string; url?: string; host?: string; auth?: string; connection?: string } = {};
  const server = http.createServer((req, res) => {
    seen = {
      method: req.method,
      url: req.url,
      host: req.headers.host,
      auth: req.headers.authorization,
      connection: req.headers.connection,
    };
    if (req.url?.startsWith("/chunked")) {
      res.writeHead(200, { "x-kind": "chunked" });
      let at = 0;
      const step = (): void => {
        while (at < BIG.length) {
          const n = Math.min(70_001, BIG.length - at);
          const more = res.write(BIG.subarray(at, at + n));
          at += n;
          if (!more) return void res.once("drain", step);
        }
        res.end();
      };
      step();
    } else {
      res.writeHead(206, { "content-length": BIG.length, etag: '"e"' });
      res.end(BIG);
    }
  });
  const base = await listen(server);
  t.after(() => close(server));

  const url = new URL("/v1/files/a%20b?x=1", base);
  const res = await rawRequest({
    method: "GET",
    url,
    headers: { authorization: "Bearer k" },
    signal: new AbortController().signal,
  });
  assert.equal(res.status, 206);
  assert.equal(res.headers.etag, '"e"');
  assert.ok((await readAll(res)).equals(BIG), "length-delimited body");
  assert.deepEqual(seen, {
    method: "GET",
    url: "/v1/files/a%20b?x=1",
    host: base.host,
    auth: "Bearer k",
    connection: undefined, // HTTP/1.1 connections persist by default (RFC 9112 §9.3): kept alive
  });

  const chunked = await rawRequest({
    method: "GET",
    url: new URL("/chunked", base),
    headers: {},
    signal: new AbortController().signal,
  });
  assert.equal(chunked.headers["transfer-encoding"], "chunked");
  assert.ok((await readAll(chunked)).equals(BIG), "chunked body");
});

test("a view the caller holds is not overwritten until it asks for the next chunk", async (t) => {
  const server = http.createServer((_req, res) => {
    res.writeHead(200, { "content-length": BIG.length });
    res.end(BIG);
  });
  const base = await listen(server);
  t.after(() => close(server));
  const res = await rawRequest({ method: "GET", url: base, headers: {}, signal: new AbortController().signal });
  let offset = 0;
  let held = 0;
  for (;;) {
    const r = await res.body.next();
    if (r.done === true) break;
    const view = r.value;
    const copy = Buffer.from(view);
    if (held < 3) {
      held++;
      // The server has megabytes more to send: give the socket every chance to read.
      await new Promise((resolve) => setTimeout(resolve, 60));
      assert.ok(Buffer.from(view).equals(copy), "the view changed while held");
    }
    assert.ok(copy.equals(BIG.subarray(offset, offset + copy.length)), `bytes at ${offset}`);
    offset += copy.length;
  }
  assert.equal(offset, BIG.length);
});

test("with holdBytes, every chunk stays valid until holdBytes more were read, across the two areas", async (t) => {
  const server = http.createServer((_req, res) => {
    res.writeHead(200, { "content-length": BIG.length });
    // Many small writes: many reads, so the areas switch several times (BIG is 6 areas of holdBytes).
    writeInPieces(res, BIG);
  });
  const base = await listen(server);
  t.after(() => close(server));
  const holdBytes = 512 * 1024;
  const res = await rawRequest({
    method: "GET",
    url: base,
    headers: {},
    signal: new AbortController().signal,
    holdBytes,
  });
  // Every chunk of the last holdBytes is kept as a view (no copy) and checked at each step.
  const offset = await readCheckingHeldViews(res.body, BIG, holdBytes);
  assert.equal(offset, BIG.length);
});

/** A raw TCP server answering every connection with `reply` (then `after`: end, destroy or hold). */
async function rawServer(
  t: { after: (fn: () => Promise<void>) => void },
  reply: string,
  after: "end" | "destroy" | "hold",
) {
  const sockets = new Set<net.Socket>();
  const requests: string[] = [];
  const server = net.createServer((s) => {
    sockets.add(s);
    s.on("error", () => undefined);
    s.once("data", (d) => {
      requests.push(d.toString("latin1"));
      s.write(reply, "latin1");
      if (after === "end") s.end();
      if (after === "destroy") s.destroy();
    });
    s.on("close", () => sockets.delete(s));
  });
  const url = await listen(server);
  t.after(async () => {
    for (const s of sockets) s.destroy();
    await close(server);
  });
  return { url, requests, sockets };
}

test("interim 1xx responses are skipped; a POST carries its body and length", async (t) => {
  const { url, requests } = await rawServer(
    t,
    "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 103 Early Hints\r\nLink: </a>\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\nabc",
    "hold",
  );
  const res = await rawRequest({
    method: "POST",
    url,
    headers: { "content-type": "application/proto" },
    body: Buffer.from("hello"),
    signal: new AbortController().signal,
  });
  assert.equal(res.status, 200);
  assert.equal((await readAll(res)).toString(), "abc");
  assert.match(requests[0] ?? "", /^POST \/ HTTP\/1\.1\r\n/);
  assert.match(requests[0] ?? "", /\r\ncontent-length: 5\r\n\r\nhello$/);
});

test("a body cut short, a close before the head, a refused connection: network errors the engine retries", async (t) => {
  const cut = await rawServer(t, "HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\n0123456789", "end");
  const res = await rawRequest({ method: "GET", url: cut.url, headers: {}, signal: new AbortController().signal });
  const err = await readAll(res).then(
    () => assert.fail("a short body must fail"),
    (e: unknown) => e,
  );
  assert.equal((err as { code?: string }).code, "ECONNRESET");
  assert.match(String((err as Error).message), /after 10 body bytes/);
  assert.equal(classify(err).retryable, true);

  const chunkedCut = await rawServer(t, "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nab", "end");
  const res2 = await rawRequest({
    method: "GET",
    url: chunkedCut.url,
    headers: {},
    signal: new AbortController().signal,
  });
  await assert.rejects(readAll(res2), { code: "ECONNRESET" });

  const noHead = await rawServer(t, "HTTP/1.1 200 OK\r\nContent-", "destroy");
  await assert.rejects(
    rawRequest({ method: "GET", url: noHead.url, headers: {}, signal: new AbortController().signal }),
    { code: "ECONNRESET" },
  );

  const probe = net.createServer();
  const free = await listen(probe);
  await close(probe);
  await assert.rejects(rawRequest({ method: "GET", url: free, headers: {}, signal: new AbortController().signal }), {
    code: "ECONNREFUSED",
  });
});

test("a close-delimited body ends with the connection", async (t) => {
  const { url } = await rawServer(t, "HTTP/1.1 200 OK\r\n\r\nall of it", "end");
  const res = await rawRequest({ method: "GET", url, headers: {}, signal: new AbortController().signal });
  assert.equal((await readAll(res)).toString(), "all of it");
});

test("a malformed head is a protocol error", async (t) => {
  const { url } = await rawServer(t, "HTTP/1.1 200 OK\r\nBad Header: x\r\n\r\n", "hold");
  await assert.rejects(
    rawRequest({ method: "GET", url, headers: {}, signal: new AbortController().signal }),
    (e: unknown) => e instanceof DownloadError && e.code === "protocol" && /bad header line/.test(e.message),
  );
});

test("abort: before the head, while reading, and return() close the connection", async (t) => {
  const slow = await rawServer(t, "HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nabc", "hold");
  const ctl = new AbortController();
  const res = await rawRequest({ method: "GET", url: slow.url, headers: {}, signal: ctl.signal });
  assert.equal(Buffer.from((await res.body.next()).value as Uint8Array).toString(), "abc");
  const pending = res.body.next();
  ctl.abort(new Error("stop"));
  await assert.rejects(pending, { name: "AbortError", code: "ABORT_ERR" });

  const silent = await rawServer(t, "", "hold");
  const ctl2 = new AbortController();
  const head = rawRequest({ method: "GET", url: silent.url, headers: {}, signal: ctl2.signal });
  setTimeout(() => ctl2.abort(), 30);
  await assert.rejects(head, { code: "ABORT_ERR" });
  await assert.rejects(rawRequest({ method: "GET", url: silent.url, headers: {}, signal: AbortSignal.abort() }), {
    code: "ABORT_ERR",
  });

  const early = await rawServer(t, "HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nabc", "hold");
  const res3 = await rawRequest({ method: "GET", url: early.url, headers: {}, signal: new AbortController().signal });
  await res3.body.next();
  assert.deepEqual(await res3.body.return?.(), { done: true, value: undefined });
  // The server sees the connection close.
  for (let i = 0; i < 100 && early.sockets.size > 0; i++) await new Promise((r) => setTimeout(r, 10));
  assert.equal(early.sockets.size, 0, "return() closed the connection");
});

test("a header that could split the request, and a non-http URL, are refused before connecting", async () => {
  const url = new URL("http://127.0.0.1:9/");
  assert.throws(
    () => requestBytes({ method: "GET", url, headers: { a: "b\r\nx: y" } }),
    /control character or bad name/,
  );
  assert.throws(() => requestBytes({ method: "GET", url, headers: { "a b": "c" } }), /control character or bad name/);
  await assert.rejects(
    rawRequest({
      method: "GET",
      url: new URL("https://127.0.0.1/"),
      headers: {},
      signal: new AbortController().signal,
    }),
    /takes http: URLs/,
  );
});
