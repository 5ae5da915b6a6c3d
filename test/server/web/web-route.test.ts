/**
 * The web page over a real peer, without a browser: sign-in, session cookie
 * flags, what a visitor without a session can learn (nothing), CSRF and
 * Origin checks, sign-out, a revoked key's session, expiry, and the logs.
 */
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { openKeyStore } from "../../../server/auth/key-store.js";
import { openServerDatabase } from "../../../server/store/database.js";
import { openSessionStore } from "../../../server/web/session-store.js";
import { captureLogger, startTestPeer, type TestPeer } from "../../helpers/peer-server.js";

const log = captureLogger();
let peer: TestPeer;
const secrets: string[] = [];

async function req(
  path: string,
  init: {
    method?: string;
    cookie?: string;
    origin?: string | null;
    body?: string;
    headers?: Record<string, string>;
  } = {},
) {
  const headers: Record<string, string> = { ...init.headers };
  if (init.cookie !== undefined) headers.cookie = `peer_session=${init.cookie}`;
  if (init.origin !== null) headers.origin = init.origin ?? peer.url;
  if (init.body !== undefined) headers["content-type"] = "application/x-www-form-urlencoded";
  const res = await fetch(`${peer.url}${path}`, {
    method: init.method ?? "GET",
    headers,
    body: init.body,
    redirect: "manual",
  });
  return { status: res.status, headers: res.headers, text: await res.text() };
}

async function signIn(key: string): Promise<{ cookie: string; csrf: string }> {
  const res = await req("/web/sign-in", { method: "POST", body: new URLSearchParams({ key }).toString() });
  assert.equal(res.status, 303);
  const cookie = /peer_session=([^;]+)/.exec(res.headers.get("set-cookie") ?? "")?.[1];
  assert.ok(cookie);
  const page = await req("/", { cookie });
  const csrf = /name="csrf" value="([^"]+)"/.exec(page.text)?.[1];
  assert.ok(csrf);
  secrets.push(cookie, csrf, key);
  return { cookie, csrf };
}

before(async () => {
  peer = await startTestPeer({
    logger: log.logger,
    files: { "a.txt": "alpha\n", "dir/b.txt": "beta\n", "dir/deep/c.txt": "gamma\n" },
  });
  secrets.push(peer.key);
});
after(() => peer?.close());

describe("without a session", () => {
  test("GET / is the sign-in page: one password field named key, strict CSP, no script", async () => {
    const res = await req("/");
    assert.equal(res.status, 200);
    assert.match(res.headers.get("content-security-policy") ?? "", /default-src 'none'/);
    assert.equal(res.headers.get("x-frame-options"), "DENY");
    assert.equal(res.headers.get("cache-control"), "no-store");
    assert.equal(res.text.match(/<input /g)?.length, 1);
    assert.match(res.text, /<input id="key" name="key" type="password"/);
    assert.doesNotMatch(res.text, /<script/);
  });
  test("every page answers the same whether the item exists or not", async () => {
    const paths = [
      "/web/browse/share/",
      "/web/browse/nope/",
      "/web/item/share/a.txt",
      "/web/item/share/nope.txt",
      "/web/files/share/a.txt",
      "/web/files/share/nope.txt",
      "/web/whatever",
    ];
    const answers = await Promise.all(
      paths.map(async (p) => {
        const r = await req(p);
        return `${r.status} ${r.headers.get("location")} ${r.text}`;
      }),
    );
    assert.deepEqual(new Set(answers), new Set(["303 / "]));
  });
  test("a torrent needs a key or a session, whether the item exists or not", async () => {
    assert.equal((await req("/v1/torrents/share/a.txt")).status, 401);
    assert.equal((await req("/v1/torrents/share/nope.txt")).status, 401);
  });
  test("a wrong key: 401 and the form again; no cookie", async () => {
    const res = await req("/web/sign-in", { method: "POST", body: "key=peer_0000000000000000_" + "A".repeat(43) });
    assert.equal(res.status, 401);
    assert.equal(res.headers.get("set-cookie"), null);
    assert.match(res.text, /not valid/);
  });
  test("a cross-site sign-in is refused before the key is looked at", async () => {
    for (const origin of ["http://evil.example", "null"]) {
      const res = await req("/web/sign-in", {
        method: "POST",
        origin,
        body: new URLSearchParams({ key: peer.key }).toString(),
      });
      assert.equal(res.status, 403);
      assert.equal(res.headers.get("set-cookie"), null);
    }
    const none = await req("/web/sign-in", {
      method: "POST",
      origin: null,
      body: new URLSearchParams({ key: peer.key }).toString(),
    });
    assert.equal(none.status, 403);
  });
});

describe("with a session", () => {
  let s: { cookie: string; csrf: string };
  before(async () => {
    s = await signIn(peer.key);
  });
  test("the cookie is HttpOnly, SameSite=Strict, Path=/, expiring; no Secure without TLS", async () => {
    const res = await req("/web/sign-in", { method: "POST", body: new URLSearchParams({ key: peer.key }).toString() });
    const cookie = res.headers.get("set-cookie") ?? "";
    secrets.push(/peer_session=([^;]+)/.exec(cookie)?.[1] ?? "");
    assert.match(cookie, /; Path=\/; Max-Age=\d+; HttpOnly; SameSite=Strict$/);
    const maxAge = Number(/Max-Age=(\d+)/.exec(cookie)?.[1]);
    assert.ok(maxAge > 11 * 3600 && maxAge <= 12 * 3600, String(maxAge));
  });
  test("shares, folders, breadcrumbs, search, details, download with ranges", async () => {
    assert.match((await req("/", { cookie: s.cookie })).text, /href="\/web\/browse\/share\/"/);
    const folder = await req("/web/browse/share/dir/", { cookie: s.cookie });
    assert.match(folder.text, /href="\/web\/browse\/share\/dir\/deep\/"/);
    assert.match(folder.text, /<a href="\/web\/browse\/share\/">share<\/a>/);
    const found = await req("/web/browse/share/?q=GAMMA", { cookie: s.cookie });
    assert.doesNotMatch(found.text, /c\.txt/);
    const found2 = await req("/web/browse/share/?q=C.TXT", { cookie: s.cookie });
    assert.match(found2.text, /share\/dir\/deep\/c\.txt/);
    const item = await req("/web/item/share/dir/b.txt", { cookie: s.cookie });
    assert.match(item.text, /SHA-256/);
    const dl = await fetch(`${peer.url}/web/files/share/dir/b.txt`, {
      headers: { cookie: `peer_session=${s.cookie}`, range: "bytes=1-2" },
    });
    assert.equal(dl.status, 206);
    assert.equal(await dl.text(), "et");
    assert.match(dl.headers.get("content-security-policy") ?? "", /sandbox/);
    assert.equal((await req("/web/item/share/nope.txt", { cookie: s.cookie })).status, 404);
    assert.equal((await req("/web/files/share/..%2Fa.txt", { cookie: s.cookie })).status, 404);
  });
  test("a torrent with the session cookie", async () => {
    let status = 503;
    for (let i = 0; i < 300 && status === 503; i++) {
      status = (await req("/v1/torrents/share/a.txt", { cookie: s.cookie })).status;
      if (status === 503) await new Promise((r) => setTimeout(r, 100));
    }
    assert.equal(status, 200);
  });
  test("copy share link: needs the CSRF token and our Origin; then the link works", async () => {
    const body = (csrf: string) => new URLSearchParams({ csrf, item: "share/a.txt", expires: "1d" }).toString();
    const before = (await peer.server.links.list()).length;
    assert.equal((await req("/web/links", { method: "POST", cookie: s.cookie, body: body("wrong") })).status, 403);
    assert.equal(
      (await req("/web/links", { method: "POST", cookie: s.cookie, body: body(s.csrf), origin: "http://evil.example" }))
        .status,
      403,
    );
    assert.equal((await req("/web/links", { method: "POST", body: body(s.csrf) })).status, 403);
    assert.equal((await peer.server.links.list()).length, before, "no link made by a refused post");
    const ok = await req("/web/links", { method: "POST", cookie: s.cookie, body: body(s.csrf) });
    assert.equal(ok.status, 200);
    const url = /value="(http[^"]+\/v1\/links\/[^"]+)"/.exec(ok.text)?.[1];
    assert.ok(url);
    secrets.push(url.split("/")[5]!);
    assert.equal(await (await fetch(url)).text(), "alpha\n");
    const link = (await peer.server.links.list()).at(-1)!;
    assert.ok(link.expiresAt !== null && Math.abs(link.expiresAt - (Date.now() + 86_400_000)) < 60_000);
  });
  test("sign-out ends the session and clears the cookie", async () => {
    const mine = await signIn(peer.key);
    assert.equal((await req("/web/sign-out", { method: "POST", cookie: mine.cookie, body: "csrf=wrong" })).status, 403);
    const out = await req("/web/sign-out", {
      method: "POST",
      cookie: mine.cookie,
      body: `csrf=${encodeURIComponent(mine.csrf)}`,
    });
    assert.equal(out.status, 303);
    assert.match(out.headers.get("set-cookie") ?? "", /Max-Age=0/);
    assert.match((await req("/", { cookie: mine.cookie })).text, /name="key" type="password"/);
  });
  test("a revoked key's session is refused at once", async () => {
    const key = await peer.server.keys.create({ name: "to revoke" });
    const mine = await signIn(key.key);
    assert.equal((await req("/web/browse/share/", { cookie: mine.cookie })).status, 200);
    await peer.server.keys.revoke(key.id);
    const after = await req("/web/browse/share/", { cookie: mine.cookie });
    assert.equal(after.status, 303);
    assert.equal((await req("/web/files/share/a.txt", { cookie: mine.cookie })).status, 303);
  });
  test("sessions end at their expiry, and never outlive their key", async () => {
    const db = await openServerDatabase(peer.dataDir);
    try {
      let clock = Date.now();
      const sessions = openSessionStore(db, { now: () => clock, lifetimeMs: 60_000 });
      const created = await sessions.create({ keyId: peer.keyId, keyName: "test", scopes: ["read"] });
      clock += 59_999;
      assert.notEqual(await sessions.resolve(created.token), undefined);
      clock += 1;
      assert.equal(await sessions.resolve(created.token), undefined);
      const short = await openKeyStore(db).create({ name: "short", expiresAt: new Date(Date.now() + 5000) });
      const capped = await openSessionStore(db).create({ keyId: short.id, keyName: "short", scopes: ["read"] });
      assert.ok(capped.expiresAt <= Date.now() + 5000);
      assert.equal(await sessions.resolve(created.token.slice(0, -1)), undefined);
    } finally {
      await db.destroy();
    }
  });
});

describe("logs", () => {
  test("no key, cookie, CSRF token or link token in any log line; lines name the session id", () => {
    const text = log.text();
    for (const secret of secrets)
      if (secret !== "") assert.equal(text.includes(secret), false, "a secret reached the log");
    assert.ok(log.lines.some((l) => typeof l.sessionId === "string"));
  });
});
