/**
 * Kept-alive connections of the raw HTTP/1.1 reader (client/transfer/raw-http/) against real
 * loopback servers: node:http, whose `connection` events count the connections opened, and a
 * scripted TCP server for the faults node:http never makes (a connection closed as the next
 * request arrives, bytes after a body). Proves reuse, the one retry of a request on a
 * connection closed idle (and none once response bytes came), that anything abnormal closes
 * the connection instead of keeping it, and that no connection is reused while its reader may
 * still hold a view of its memory.
 */
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { once } from "node:events";
import http from "node:http";
import net from "node:net";
import { test } from "node:test";
import { fileURLToPath } from "node:url";
import { ConnectionPool } from "../../../../client/transfer/raw-http/connection-pool.js";
import { RawConnection } from "../../../../client/transfer/raw-http/raw-connection.js";
import { rawRequest, type RawRequest, type RawResponse } from "../../../../client/transfer/raw-http/raw-request.js";
import { listenLoopback, readCheckingHeldViews, readCopying, writeInPieces } from "../../../helpers/read-areas.js";

type After = { after: (fn: () => Promise<void> | void) => void };

function pattern(length: number, seed: number): Buffer {
  const b = Buffer.allocUnsafe(length);
  for (let i = 0; i < length; i++) b[i] = (i * 31 + seed + (i >> 12)) & 255;
  return b;
}

const listen = (server: net.Server): Promise<URL> => listenLoopback(server);

/** Reads the body copying each chunk before asking for the next (as the piece assembler does). */
const readAll = (res: RawResponse): Promise<Buffer> => readCopying(res.body);

/** A node:http server counting the connections it accepted. */
async function countingServer(t: After, handler: http.RequestListener) {
  const server = http.createServer(handler);
  const sockets = new Set<net.Socket>();
  let connections = 0;
  server.on("connection", (s: net.Socket) => {
    connections++;
    sockets.add(s);
    s.once("close", () => sockets.delete(s));
  });
  const url = await listen(server);
  t.after(async () => {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });
  return { url, sockets, connections: () => connections };
}

/**
 * A TCP server answering each request (one `data` event: our requests are one small write) with
 * `answer(connection, request)`: bytes to write, "destroy" / "end" to close without a word, or
 * bytes then a close.
 */
type Answer = string | "destroy" | "end" | { write: string; close: "destroy" };

async function scriptedServer(t: After, answer: (connection: number, request: number) => Answer) {
  const sockets = new Set<net.Socket>();
  let connections = 0;
  const server = net.createServer((s) => {
    const connection = connections++;
    let request = 0;
    sockets.add(s);
    s.on("error", () => undefined);
    s.on("close", () => sockets.delete(s));
    s.on("data", () => {
      const a = answer(connection, request++);
      if (a === "destroy") s.destroy();
      else if (a === "end") s.end();
      else if (typeof a === "string") s.write(a, "latin1");
      else s.write(a.write, "latin1", () => s.destroy());
    });
  });
  const url = await listen(server);
  t.after(async () => {
    for (const s of sockets) s.destroy();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });
  return { url, sockets, connections: () => connections };
}

const OK = (body: string, extra = "") => `HTTP/1.1 200 OK\r\nContent-Length: ${body.length}\r\n${extra}\r\n${body}`;

function get(url: URL, pool: ConnectionPool, more: Partial<RawRequest> = {}): Promise<RawResponse> {
  return rawRequest({ method: "GET", url, headers: {}, signal: new AbortController().signal, pool, ...more });
}

test("sequential requests share one connection: length, chunked, empty and POST answers, both read layouts", async (t) => {
  const bodies = [pattern(300_000, 1), pattern(70_001, 2), pattern(5, 3)];
  let requests = 0;
  const srv = await countingServer(t, (req, res) => {
    requests++;
    const n = Number(new URL(req.url ?? "/", "http://x").searchParams.get("n"));
    if (req.url?.startsWith("/chunked")) {
      res.writeHead(200);
      res.write(bodies[n]?.subarray(0, 1000));
      res.end(bodies[n]?.subarray(1000));
    } else if (req.url?.startsWith("/empty")) {
      res.writeHead(204).end();
    } else if (req.method === "POST") {
      req.on("data", () => undefined);
      req.on("end", () => res.writeHead(200, { "content-length": 2 }).end("ok"));
    } else res.writeHead(200, { "content-length": bodies[n]?.length ?? 0 }).end(bodies[n]);
  });
  const pool = new ConnectionPool();
  t.after(() => pool.clear());
  for (let round = 0; round < 3; round++) {
    for (let n = 0; n < bodies.length; n++) {
      assert.ok((await readAll(await get(new URL(`/len?n=${n}`, srv.url), pool))).equals(bodies[n] as Buffer));
      assert.ok((await readAll(await get(new URL(`/chunked?n=${n}`, srv.url), pool))).equals(bodies[n] as Buffer));
    }
    const empty = await get(new URL("/empty", srv.url), pool);
    assert.equal(empty.status, 204);
    assert.equal((await readAll(empty)).length, 0);
    const post = await get(new URL("/post", srv.url), pool, { method: "POST", body: Buffer.from("hello") });
    assert.equal((await readAll(post)).toString(), "ok");
  }
  assert.equal(requests, 24);
  assert.equal(srv.connections(), 1, "24 requests, one connection");
  assert.equal(pool.size(), 1);

  // Two read areas (holdBytes) are another layout: one more connection, then reused too.
  for (let n = 0; n < 6; n++) {
    const res = await get(new URL(`/len?n=${n % 3}`, srv.url), pool, { holdBytes: 128 * 1024 });
    assert.ok((await readAll(res)).equals(bodies[n % 3] as Buffer));
  }
  assert.equal(srv.connections(), 2);
  assert.equal(pool.size(), 2);
});

test("a connection the server closed while idle: the next request succeeds on a new one", async (t) => {
  const srv = await countingServer(t, (_req, res) => res.writeHead(200, { "content-length": 3 }).end("abc"));
  const pool = new ConnectionPool();
  t.after(() => pool.clear());
  assert.equal((await readAll(await get(srv.url, pool))).toString(), "abc");
  assert.equal(pool.size(), 1);
  const [serverSide] = srv.sockets;
  assert.ok(serverSide !== undefined);
  serverSide.destroy(); // as the server's keepAliveTimeout does
  await once(serverSide, "close");
  assert.equal((await readAll(await get(srv.url, pool))).toString(), "abc");
  assert.equal(srv.connections(), 2);
});

test("a kept connection closed as the next request arrives: sent once more on a new connection", async (t) => {
  for (const close of ["destroy", "end"] as const) {
    // Each connection answers its first request, and closes at its second without a byte.
    const srv = await scriptedServer(t, (_c, r) => (r === 0 ? OK("abc") : close));
    const pool = new ConnectionPool();
    t.after(() => pool.clear());
    assert.equal((await readAll(await get(srv.url, pool))).toString(), "abc");
    assert.equal(pool.size(), 1);
    assert.equal((await readAll(await get(srv.url, pool))).toString(), "abc", close);
    assert.equal(srv.connections(), 2, `${close}: the retry opened the second connection`);
  }
});

test("no retry once response bytes came: the error surfaces, no other connection is opened", async (t) => {
  const half = { write: "HTTP/1.1 200 OK\r\nContent-", close: "destroy" as const };
  const srv = await scriptedServer(t, (_c, r) => (r === 0 ? OK("abc") : half));
  const pool = new ConnectionPool();
  t.after(() => pool.clear());
  assert.equal((await readAll(await get(srv.url, pool))).toString(), "abc");
  // The second request, on the kept connection, gets half a head and then the close.
  await assert.rejects(get(srv.url, pool), { code: "ECONNRESET", message: /before its response head/ });
  assert.equal(srv.connections(), 1);
  assert.equal(pool.size(), 0);
});

test("anything abnormal closes the connection instead of keeping it", async (t) => {
  const cases: Array<{ name: string; reply: string; use: (res: RawResponse) => Promise<unknown> }> = [
    { name: "a byte after the body", reply: OK("abc").concat("X"), use: readAll },
    { name: "a whole response after the body", reply: OK("abc") + OK("def"), use: readAll },
    { name: "connection: close", reply: OK("abc", "Connection: close\r\n"), use: readAll },
    { name: "an HTTP/1.0 answer", reply: OK("abc").replace("HTTP/1.1", "HTTP/1.0"), use: readAll },
    { name: "a 101 never asked for", reply: "HTTP/1.1 101 Switching Protocols\r\n\r\n", use: readAll },
    { name: "the body left unread (destroy)", reply: OK("abc"), use: async (res) => res.destroy() },
    { name: "the body left unread (return)", reply: OK("abc"), use: async (res) => res.body.return?.() },
    {
      name: "a body returned before its end",
      reply: "HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nabc",
      use: async (res) => {
        await res.body.next();
        await res.body.return?.();
      },
    },
    {
      name: "a body cut by the server",
      reply: "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nab",
      use: async (res) => {
        await res.body.next();
        res.destroy();
      },
    },
    {
      name: "bad chunked framing",
      reply: "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n",
      use: (res) => readAll(res).catch(() => undefined),
    },
  ];
  for (const c of cases) {
    const srv = await scriptedServer(t, () => c.reply);
    const pool = new ConnectionPool();
    t.after(() => pool.clear());
    await c.use(await get(srv.url, pool));
    assert.equal(pool.size(), 0, c.name);
    await get(srv.url, pool).then((res) => res.destroy());
    assert.equal(srv.connections(), 2, `${c.name}: a second connection`);
  }
});

test("an abort mid-body closes the connection; the next request opens another", async (t) => {
  const srv = await countingServer(t, (req, res) => {
    res.writeHead(200, { "content-length": 1000 });
    if (req.url === "/slow") res.write("x".repeat(10));
    else res.end("y".repeat(1000));
  });
  const pool = new ConnectionPool();
  t.after(() => pool.clear());
  const ctl = new AbortController();
  const res = await rawRequest({
    method: "GET",
    url: new URL("/slow", srv.url),
    headers: {},
    signal: ctl.signal,
    pool,
  });
  await res.body.next();
  const pending = res.body.next();
  ctl.abort();
  await assert.rejects(pending, { code: "ABORT_ERR" });
  assert.equal(pool.size(), 0);
  assert.equal((await readAll(await get(srv.url, pool))).length, 1000);
  assert.equal(srv.connections(), 2);
  assert.equal(pool.size(), 1);
});

test("an abort once the body is all in, or a return after its last chunk, keeps the connection", async (t) => {
  // The engine's endgame aborts a read whose pieces are all in hand, often after the body's end arrived.
  const srv = await countingServer(t, (_req, res) => res.writeHead(200, { "content-length": 3 }).end("abc"));
  const pool = new ConnectionPool();
  t.after(() => pool.clear());
  const ctl = new AbortController();
  const res = await rawRequest({ method: "GET", url: srv.url, headers: {}, signal: ctl.signal, pool });
  assert.equal(Buffer.from((await res.body.next()).value as Uint8Array).toString(), "abc");
  ctl.abort();
  assert.deepEqual(await res.body.next(), { done: true, value: undefined }, "the body was whole: no abort error");
  assert.equal(pool.size(), 1);

  const again = await get(srv.url, pool);
  assert.equal(Buffer.from((await again.body.next()).value as Uint8Array).toString(), "abc");
  await again.body.return?.(); // after its last chunk, without asking for `done`
  assert.equal(pool.size(), 1);
  assert.equal(srv.connections(), 1);
});

test("with holdBytes, every chunk stays valid for holdBytes more bytes on a reused connection too", async (t) => {
  const body = pattern(3 * 1024 * 1024 + 777, 5);
  const srv = await countingServer(t, (_req, res) => {
    res.writeHead(200, { "content-length": body.length });
    // Many small writes: many reads, so the areas switch several times in each response.
    writeInPieces(res, body);
  });
  const pool = new ConnectionPool();
  t.after(() => pool.clear());
  const holdBytes = 512 * 1024;
  for (let round = 0; round < 3; round++) {
    const res = await get(srv.url, pool, { holdBytes });
    const offset = await readCheckingHeldViews(res.body, body, holdBytes, `${round}: `);
    assert.equal(offset, body.length);
  }
  assert.equal(srv.connections(), 1);
});

test("a connection is not reused while its reader may hold a view of the last chunk", async (t) => {
  const a = pattern(100_000, 7);
  const b = pattern(900_000, 9);
  const srv = await countingServer(t, (req, res) => {
    const body = req.url === "/a" ? a : b;
    res.writeHead(200, { "content-length": body.length }).end(body);
  });
  const pool = new ConnectionPool();
  t.after(() => pool.clear());
  const first = await get(new URL("/a", srv.url), pool);
  let got = 0;
  let last: Uint8Array | undefined;
  while (got < a.length) {
    const r = await first.body.next();
    assert.ok(r.done !== true);
    last = r.value;
    got += r.value.length;
  }
  // Every byte of /a is in, its last chunk still held: not told `done`, so the connection is not free.
  const copy = Buffer.from(last as Uint8Array);
  assert.ok((await readAll(await get(new URL("/b", srv.url), pool))).equals(b));
  assert.equal(srv.connections(), 2);
  assert.ok(Buffer.from(last as Uint8Array).equals(copy), "the held view is intact");
  assert.deepEqual(await first.body.next(), { done: true, value: undefined });
  // Now both connections are idle; the next two requests reuse them.
  const [x, y] = await Promise.all([get(new URL("/a", srv.url), pool), get(new URL("/a", srv.url), pool)]);
  assert.ok((await readAll(x as RawResponse)).equals(a));
  assert.ok((await readAll(y as RawResponse)).equals(a));
  assert.equal(srv.connections(), 2);
});

test("the pool is bounded per key, closes a connection after its idle time, and drops one the server closed", async (t) => {
  const srv = await countingServer(t, (_req, res) => res.writeHead(200, { "content-length": 1 }).end("z"));
  const pool = new ConnectionPool({ maxIdlePerKey: 2 });
  t.after(() => pool.clear());
  const three = await Promise.all([get(srv.url, pool), get(srv.url, pool), get(srv.url, pool)]);
  for (const res of three) await readAll(res);
  assert.equal(srv.connections(), 3);
  assert.equal(pool.size(), 2, "the oldest of three idle connections was closed");
  pool.clear();
  assert.equal(pool.size(), 0);

  const port = Number(srv.url.port);
  const timed = new RawConnection("127.0.0.1", port, 0);
  await once(timed.socket, "connect");
  pool.put("k", timed, 1);
  await once(timed.socket, "close");
  assert.equal(pool.size("k"), 0, "closed after its idle time");

  const kept = new RawConnection("127.0.0.1", port, 0);
  await once(kept.socket, "connect");
  pool.put("k", kept, 60_000);
  assert.equal(pool.size("k"), 1);
  srv.sockets.forEach((s) => {
    s.destroy();
  });
  await once(kept.socket, "close");
  assert.equal(pool.size("k"), 0, "gone once the server closed it");
  assert.equal(pool.take("k"), undefined);
});

test("an idle kept connection does not keep the process alive", async (t) => {
  const srv = await countingServer(t, (_req, res) => res.writeHead(200, { "content-length": 2 }).end("ok"));
  const module = fileURLToPath(new URL("../../../../client/transfer/raw-http/raw-request.ts", import.meta.url));
  const script = `
    import { rawRequest } from ${JSON.stringify(module)};
    const res = await rawRequest({ method: "GET", url: new URL(${JSON.stringify(srv.url.href)}), headers: {}, signal: new AbortController().signal });
    for (let r = await res.body.next(); !r.done; r = await res.body.next());
    console.log("read");
  `;
  const child = spawn(process.execPath, ["--import", "tsx", "--input-type=module", "-e", script], {
    stdio: ["ignore", "pipe", "inherit"],
  });
  let out = "";
  child.stdout.on("data", (d: Buffer) => (out += d.toString()));
  const [code] = (await once(child, "exit")) as [number];
  assert.equal(code, 0);
  assert.equal(out.trim(), "read");
  assert.equal(srv.connections(), 1);
});
