/** The route's own behaviour over real sockets: auth, ids, methods, fields, limits, HEAD without I/O. */
import assert from "node:assert/strict";
import { symlink } from "node:fs/promises";
import path from "node:path";
import { after, before, describe, test } from "node:test";
import type { Catalog } from "../../../server/catalog/catalog.js";
import { createStreamLimiter } from "../../../server/limits/stream-limiter.js";
import { captureLogger } from "../../helpers/peer-server.js";
import { fileBytes } from "./helpers/cases.js";
import { connect2, filePath, request1, type H2Client, type RawResponse } from "./helpers/client.js";
import { SHARE, TEST_KEY, startRouteServers, type RouteServers } from "./helpers/route-servers.js";

const auth = { authorization: `Bearer ${TEST_KEY}` };
const BYTES = fileBytes(5000);
const SHA = "a".repeat(64);
const GONE = "gone.bin";

describe("file route", () => {
  let servers: RouteServers;
  let h2: H2Client;
  before(async () => {
    servers = await startRouteServers({
      files: {
        "a.bin": BYTES,
        "dir/b c.txt": "hello\n",
        'été "x".mp4': "video",
        [GONE]: "soon moved",
        "photo.png": "png",
      },
      digests: { sha256For: async (e) => (e.name === "a.bin" ? SHA : undefined) },
      // A catalog whose entry for GONE points at a path that does not exist: GET must fail to open, HEAD must not try.
      wrapCatalog: (real: Catalog): Catalog => ({
        ...real,
        shares: () => real.shares(),
        list: (r) => real.list(r),
        async stat(id) {
          const e = await real.stat(id);
          return e && e.name === GONE ? { ...e, path: path.join(path.dirname(e.path), "does-not-exist") } : e;
        },
      }),
    });
    await symlink("/etc/hostname", path.join(servers.shareDir, "escape"));
    h2 = connect2(servers.h2);
  });
  after(async () => {
    h2?.close();
    await servers?.close();
  });
  const get = (p: string, headers: Record<string, string> = auth, method = "GET"): Promise<RawResponse> =>
    request1(servers.h1, { path: p, headers, method });

  describe("authentication", () => {
    const p = filePath(SHARE, "a.bin");
    const cases: [string, Record<string, string>, number][] = [
      ["no key", {}, 401],
      ["wrong bearer", { authorization: "Bearer nope" }, 401],
      ["Basic is not a key", { authorization: `Basic ${TEST_KEY}` }, 401],
      ["empty X-Api-Key", { "x-api-key": "" }, 401],
      ["bearer with trailing junk", { authorization: `Bearer ${TEST_KEY} extra` }, 401],
      ["Bearer", { authorization: `Bearer ${TEST_KEY}` }, 200],
      ["bearer, lower-case scheme", { authorization: `bearer ${TEST_KEY}` }, 200],
      ["X-Api-Key", { "x-api-key": TEST_KEY }, 200],
      [
        "a non-Bearer Authorization is not overridden by X-Api-Key (as on the RPCs)",
        { authorization: "Basic Zm9vOmJhcg==", "x-api-key": TEST_KEY },
        401,
      ],
      ["an over-long key", { "x-api-key": "k".repeat(600) }, 401],
    ];
    for (const [name, headers, status] of cases) {
      test(name, async () => {
        const res = await get(p, headers);
        assert.equal(res.status, status);
        if (status === 401) {
          assert.match(res.headers["www-authenticate"] ?? "", /^Bearer\b/);
          assert.ok(!res.body.includes(TEST_KEY), "never echoes a key");
        }
      });
    }
    test("401 comes before 404: unknown ids are not revealed to strangers", async () => {
      assert.equal((await get(filePath(SHARE, "nope"), {})).status, 401);
    });
  });

  describe("ids", () => {
    const notFound: [string, string][] = [
      ["unknown file", filePath(SHARE, "nope.bin")],
      ["unknown share", filePath("other", "a.bin")],
      ["a directory", filePath(SHARE, "dir")],
      ["dot-dot", `/v1/files/${SHARE}/../${SHARE}/a.bin`],
      ["encoded slash", `/v1/files/${SHARE}%2Fa.bin`],
      ["encoded dot-dot", `/v1/files/${SHARE}/%2e%2e/etc/passwd`],
      ["symlink out of the share", filePath(SHARE, "escape")],
      ["share root", `/v1/files/${SHARE}`],
      ["bad escape", `/v1/files/${SHARE}/%zz`],
    ];
    for (const [name, p] of notFound) {
      test(`${name} → the same 404`, async () => {
        const res = await get(p);
        assert.equal(res.status, 404);
        assert.equal(res.headers["x-fallback"], undefined, "answered by the route");
        assert.equal(res.body.toString(), "not found\n");
      });
    }
    test("nested ids with encoded spaces", async () => {
      const res = await get(filePath(SHARE, "dir/b c.txt"));
      assert.equal(res.status, 200);
      assert.equal(res.body.toString(), "hello\n");
    });
    test("paths outside the route are left to the fallback", async () => {
      for (const p of ["/", "/v1/files", "/peer.v1.PeerService/StatItem", "/v1/filesx/a"]) {
        const res = await get(p);
        assert.equal(res.headers["x-fallback"], "1", p);
      }
    });
  });

  describe("methods", () => {
    for (const method of ["POST", "PUT", "DELETE", "OPTIONS", "PATCH"]) {
      test(`${method} → 405 with Allow`, async () => {
        const res = await get(filePath(SHARE, "a.bin"), auth, method);
        assert.equal(res.status, 405);
        assert.equal(res.headers["allow"], "GET, HEAD");
      });
    }
  });

  describe("fields", () => {
    test("200 carries every field of the contract", async () => {
      const res = await get(filePath(SHARE, "a.bin"), { ...auth, "accept-encoding": "gzip, br, deflate" });
      const h = res.headers;
      assert.equal(res.status, 200);
      assert.ok(res.body.equals(BYTES));
      assert.equal(h["content-encoding"], undefined, "never compressed, even when asked");
      assert.equal(h["content-length"], "5000");
      assert.equal(h["accept-ranges"], "bytes");
      assert.equal(h["cache-control"], "private");
      assert.equal(h["content-type"], "application/octet-stream");
      assert.equal(h["content-disposition"], "attachment; filename=a.bin");
      assert.equal(h["x-content-sha256"], SHA);
      assert.equal(h["repr-digest"], `sha-256=:${Buffer.from(SHA, "hex").toString("base64")}:`);
      assert.match(h["etag"] ?? "", /^"[^"]+"$/);
    });
    test("a non-ASCII name with quotes gets a safe Content-Disposition; video is inline", async () => {
      const res = await get(filePath(SHARE, 'été "x".mp4'));
      assert.equal(res.status, 200);
      assert.equal(res.headers["content-type"], "video/mp4");
      assert.equal(
        res.headers["content-disposition"],
        `inline; filename="_t_ _x_.mp4"; filename*=UTF-8''%C3%A9t%C3%A9%20%22x%22.mp4`,
      );
    });
    test("no digest fields when the digest is unknown", async () => {
      const res = await get(filePath(SHARE, "photo.png"));
      assert.equal(res.headers["x-content-sha256"], undefined);
      assert.equal(res.headers["repr-digest"], undefined);
    });
    test("the ETag is the catalog's", async () => {
      const res = await get(filePath(SHARE, "a.bin"));
      const again = await get(filePath(SHARE, "a.bin"), { ...auth, "if-none-match": res.headers["etag"]! });
      assert.equal(again.status, 304);
    });
  });

  describe("HEAD does not open the file", () => {
    test("HEAD answers from the stat alone; GET of the same entry cannot open it", async () => {
      for (const send of [
        (m: string) => get(filePath(SHARE, GONE), auth, m),
        (m: string) => h2.request({ method: m, path: filePath(SHARE, GONE), headers: auth }),
      ]) {
        const head = await send("HEAD");
        assert.equal(head.status, 200);
        assert.equal(head.headers["content-length"], String("soon moved".length));
        const got = await send("GET");
        assert.equal(got.status, 503, "the entry's path cannot be opened");
        assert.ok(!got.body.toString().includes("/"), "no OS path in the body");
      }
    });
    test("HEAD with a Range is a 206 without a body", async () => {
      const res = await get(filePath(SHARE, GONE), { ...auth, range: "bytes=0-1" }, "HEAD");
      assert.equal(res.status, 206);
      assert.equal(res.headers["content-range"], `bytes 0-1/${"soon moved".length}`);
      assert.equal(res.body.length, 0);
    });
  });
});

describe("stream limiter", () => {
  let servers: RouteServers;
  before(async () => {
    servers = await startRouteServers({
      files: { "big.bin": Buffer.alloc(64 * 1024 * 1024, 1), "small.bin": "x" },
      route: { limiter: createStreamLimiter({ maxPerKey: 1, retryAfterMs: 1500 }), chunkSize: 64 * 1024 },
    });
  });
  after(() => servers?.close());

  test("a second concurrent body stream for the key gets 429 + Retry-After; HEAD and 304 need no slot", async () => {
    const http = await import("node:http");
    // Hold one stream open: read its head, then stop reading.
    const held = await new Promise<import("node:http").IncomingMessage>((resolve, reject) => {
      const r = http.get(`${servers.h1}${filePath(SHARE, "big.bin")}`, { headers: auth, agent: false }, resolve);
      r.on("error", reject);
    });
    held.pause();
    const refused = await request1(servers.h1, { path: filePath(SHARE, "small.bin"), headers: auth });
    assert.equal(refused.status, 429);
    assert.equal(refused.headers["retry-after"], "2");
    assert.equal(refused.headers["retry-after-ms"], "1500");
    const head = await request1(servers.h1, { method: "HEAD", path: filePath(SHARE, "small.bin"), headers: auth });
    assert.equal(head.status, 200);
    held.destroy();
    // The slot comes back once the held stream is gone.
    let status = 0;
    for (let i = 0; i < 200 && status !== 200; i++) {
      status = (await request1(servers.h1, { path: filePath(SHARE, "small.bin"), headers: auth })).status;
      if (status !== 200) await new Promise((r) => setTimeout(r, 50));
    }
    assert.equal(status, 200);
  });
});

describe("failures around the stream", () => {
  let servers: RouteServers;
  const limiter = createStreamLimiter({ maxPerKey: 4 });
  let authCalls = 0;
  let releaseAuth: (() => void) | undefined;
  before(async () => {
    servers = await startRouteServers({
      files: { "a.bin": BYTES },
      route: {
        limiter,
        async authenticate(key) {
          authCalls++;
          if (key === "boom") throw new Error("database at /secret/path is locked");
          if (key === "slow") await new Promise<void>((r) => (releaseAuth = r));
          return key === TEST_KEY || key === "slow" ? { keyId: "k", keyName: "k", scopes: ["read"] } : undefined;
        },
      },
    });
  });
  after(() => servers?.close());

  test("an authenticator that throws gives a generic 500, no internals", async () => {
    const res = await request1(servers.h1, { path: filePath(SHARE, "a.bin"), headers: { "x-api-key": "boom" } });
    assert.equal(res.status, 500);
    assert.equal(res.body.toString(), "internal error\n");
  });

  test("a client gone before the stream starts: no slot held, no file left open", async () => {
    const http = await import("node:http");
    const { hostname, port } = new URL(servers.h1);
    const before = authCalls;
    const req = http.request({
      hostname,
      port,
      path: filePath(SHARE, "a.bin"),
      headers: { "x-api-key": "slow" },
      agent: false,
    });
    req.on("error", () => undefined);
    req.end();
    for (let i = 0; i < 400 && authCalls === before; i++) await new Promise((r) => setTimeout(r, 10));
    assert.equal(authCalls, before + 1, "the request reached authentication");
    req.destroy();
    await new Promise((r) => setTimeout(r, 100));
    releaseAuth?.();
    // The slot is released after the file is closed, a moment after the response: poll (bounded).
    const idle = async (): Promise<number> => {
      for (let i = 0; i < 500 && limiter.active() !== 0; i++) await new Promise((r) => setTimeout(r, 20));
      return limiter.active();
    };
    assert.equal(await idle(), 0, "no stream slot is held");
    // The route still serves.
    assert.equal((await request1(servers.h1, { path: filePath(SHARE, "a.bin"), headers: auth })).status, 200);
    assert.equal(await idle(), 0);
  });
});

describe("request log", () => {
  let servers: RouteServers;
  const capture = captureLogger();
  before(async () => {
    servers = await startRouteServers({ files: { "a.bin": BYTES }, route: { logger: capture.logger } });
  });
  after(() => servers?.close());

  test("one line per request with status, bytes and key id; never the key or an OS path", async () => {
    await request1(servers.h1, { path: filePath(SHARE, "a.bin"), headers: { ...auth, range: "bytes=0-99" } });
    await request1(servers.h1, { path: filePath(SHARE, "a.bin"), headers: { "x-api-key": "wrong-key-123" } });
    for (let i = 0; i < 500 && capture.lines.filter((l) => l["msg"] === "http").length < 2; i++)
      await new Promise((r) => setTimeout(r, 20));
    const lines = capture.lines.filter((l) => l["msg"] === "http");
    assert.equal(lines.length, 2);
    // A line is written once the file is closed, so the two may land in either order.
    assert.deepEqual(
      lines
        .map((l) => [l["method"], l["item"], l["status"], l["bytes"], l["keyId"]])
        .sort((a, b) => Number(a[2]) - Number(b[2])),
      [
        ["HTTP GET", `${SHARE}/a.bin`, 206, 100, "k-test"],
        ["HTTP GET", `${SHARE}/a.bin`, 401, 0, undefined],
      ],
    );
    assert.ok(!capture.text().includes(TEST_KEY) && !capture.text().includes("wrong-key-123"), "no key in the log");
    assert.ok(!capture.text().includes(servers.shareDir), "no OS path in the log");
  });
});

describe("a file that changed between stat and open", () => {
  let servers: RouteServers;
  let stale: import("../../../server/catalog/catalog.js").FileEntry | undefined;
  before(async () => {
    servers = await startRouteServers({
      files: { "v.bin": "version one" },
      // Hands out a remembered (stale) entry once, as if the file changed right after the stat.
      wrapCatalog: (real: Catalog): Catalog => ({
        shares: () => real.shares(),
        list: (r) => real.list(r),
        folder: (id, o) => real.folder(id, o),
        async stat(id) {
          const s = stale;
          stale = undefined;
          return s ?? real.stat(id);
        },
      }),
    });
  });
  after(() => servers?.close());

  test("the route re-stats and answers for the new version, never with the old validators", async () => {
    const { writeFile } = await import("node:fs/promises");
    const p = filePath(SHARE, "v.bin");
    const first = await request1(servers.h1, { path: p, headers: auth });
    assert.equal(first.body.toString(), "version one");
    // Remember the entry of version one, then replace the bytes.
    const { createDirCatalog } = await import("../../../server/catalog/dir-catalog.js");
    stale = await createDirCatalog([{ name: SHARE, dir: servers.shareDir }]).stat(`${SHARE}/v.bin`);
    await writeFile(path.join(servers.shareDir, "v.bin"), "version two, longer");
    const res = await request1(servers.h1, { path: p, headers: auth });
    assert.equal(res.status, 200);
    assert.equal(res.body.toString(), "version two, longer");
    assert.notEqual(res.headers["etag"], first.headers["etag"]);
    assert.equal(stale, undefined, "the stale entry was used");

    // A precondition on the old ETag is judged against the new version after the re-stat.
    stale = await createDirCatalog([{ name: SHARE, dir: servers.shareDir }]).stat(`${SHARE}/v.bin`);
    await writeFile(path.join(servers.shareDir, "v.bin"), "version three");
    const conditional = await request1(servers.h1, { path: p, headers: { ...auth, "if-match": res.headers["etag"]! } });
    assert.equal(conditional.status, 412);
  });
});

describe("outside the route", () => {
  test("returns false and touches nothing: no listeners, no header fields, nothing written", async () => {
    const http = await import("node:http");
    const { pino } = await import("pino");
    const { createDirCatalog } = await import("../../../server/catalog/dir-catalog.js");
    const { createFileRoute } = await import("../../../server/http/serve-file.js");
    const { mkdtemp, rm } = await import("node:fs/promises");
    const os = await import("node:os");
    const dir = await mkdtemp(path.join(os.tmpdir(), "peer-outside-"));
    const route = createFileRoute({
      catalog: createDirCatalog([{ name: "s", dir }]),
      authenticate: async () => undefined,
      logger: pino({ level: "silent" }),
    });
    const seen: unknown[] = [];
    const server = http.createServer((req, res) => {
      const listeners = res.eventNames().map((e) => [e, res.listenerCount(e)]);
      const handled = route(req, res);
      seen.push({
        handled,
        same: JSON.stringify(listeners) === JSON.stringify(res.eventNames().map((e) => [e, res.listenerCount(e)])),
        headersSent: res.headersSent,
        fields: res.getHeaderNames(),
      });
      res.end("fallback");
    });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    try {
      const { port } = server.address() as import("node:net").AddressInfo;
      const res = await request1(`http://127.0.0.1:${port}`, { path: "/peer.v1.PeerService/StatItem", method: "POST" });
      assert.equal(res.body.toString(), "fallback");
      assert.deepEqual(seen, [{ handled: false, same: true, headersSent: false, fields: [] }]);
    } finally {
      server.close();
      await rm(dir, { recursive: true, force: true });
    }
  });
});
