/**
 * A link's life on a real peer (docs/web.md, "Link lifecycle"): a key's links
 * stop with the key (revoked, expired), count against its stream cap, and a
 * torrent reuses one link per key and credential instead of a row per GET.
 * Behind an https --public-url the session cookie is Secure and __Host-.
 */
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import http from "node:http";
import { openServerDatabase } from "../../../server/store/database.js";
import { derivedToken } from "../../../server/links/link-store.js";
import { startTestPeer, type TestPeer } from "../../helpers/peer-server.js";

const BIG = Buffer.alloc(32 * 1024 * 1024, 7);

let peer: TestPeer;
before(async () => {
  peer = await startTestPeer({ files: { "a.txt": "alpha\n", "big.bin": BIG }, maxStreamsPerKey: 1 });
});
after(() => peer?.close());

/** A link to `target` made by a fresh key (as the web page and torrents make them). */
async function keyLink(target: string): Promise<{ keyId: string; key: string; url: string }> {
  const key = await peer.server.keys.create({ name: "maker" });
  const link = await peer.server.links.create({ target, createdBy: key.id });
  return { keyId: key.id, key: key.key, url: `${peer.url}/v1/links/${link.token}/${target.split("/").pop()}` };
}

async function status(url: string, headers: Record<string, string> = {}): Promise<number> {
  const res = await fetch(url, { headers });
  await res.arrayBuffer();
  return res.status;
}

describe("a key's links live and die with the key", () => {
  test("revoked key: its link answers 404 from the next request on, and list says key-revoked", async () => {
    const made = await keyLink("share/a.txt");
    assert.equal(await status(made.url), 200);
    assert.ok(await peer.server.keys.revoke(made.keyId));
    assert.equal(await status(made.url), 404);
    const row = (await peer.server.links.list()).find((l) => l.createdBy === made.keyId);
    assert.equal(row?.status, "key-revoked");
  });

  test("expired key: its link answers 404 (the expiry written by another process)", async () => {
    const made = await keyLink("share/a.txt");
    assert.equal(await status(made.url), 200);
    const db = await openServerDatabase(peer.dataDir);
    try {
      await db
        .updateTable("api_key")
        .set({ expires_at: Date.now() - 1 })
        .where("id", "=", made.keyId)
        .execute();
    } finally {
      await db.destroy();
    }
    assert.equal(await status(made.url), 404);
    const row = (await peer.server.links.list()).find((l) => l.createdBy === made.keyId);
    assert.equal(row?.status, "key-expired");
  });

  test("a link made by `peer links create` (no key) is not tied to any key", async () => {
    const link = await peer.server.links.create({ target: "share/a.txt" });
    assert.equal(await status(`${peer.url}/v1/links/${link.token}/a.txt`), 200);
  });
});

describe("link streams count against the creating key's cap", () => {
  test("with the key's one stream busy, its link gets 429; a key-less link does not", async () => {
    const made = await keyLink("share/big.bin");
    // Hold the key's only stream: read the head of a 32 MiB download, then stop reading.
    const held = http.get(`${peer.url}/v1/files/share/big.bin`, { headers: { authorization: `Bearer ${made.key}` } });
    const res = await new Promise<http.IncomingMessage>((resolve, reject) =>
      held.once("response", resolve).once("error", reject),
    );
    assert.equal(res.statusCode, 200);
    res.pause();
    try {
      const refused = await fetch(made.url, { headers: { range: "bytes=0-9" } });
      await refused.arrayBuffer();
      assert.equal(refused.status, 429);
      assert.ok(refused.headers.get("retry-after"));
      const free = await peer.server.links.create({ target: "share/big.bin" });
      assert.equal(await status(`${peer.url}/v1/links/${free.token}/big.bin`, { range: "bytes=0-9" }), 206);
    } finally {
      const closed = new Promise((r) => held.once("close", r));
      held.destroy();
      await closed;
    }
  });
});

describe("torrents reuse a live link", () => {
  async function torrent(query = "", headers: Record<string, string> = { "x-api-key": peer.key }): Promise<string> {
    for (;;) {
      const res = await fetch(`${peer.url}/v1/torrents/share/a.txt${query}`, { headers });
      const body = Buffer.from(await res.arrayBuffer()).toString("latin1");
      if (res.status === 200) return /\/v1\/links\/([A-Za-z0-9_-]{43})\//.exec(body)?.[1] as string;
      assert.equal(res.status, 503, "only 'still hashing' is retried");
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  const rowsOf = async () =>
    (await peer.server.links.list()).filter((l) => l.target === "share/a.txt" && l.createdBy === peer.keyId);

  test("two GETs: one row, the same web seed; its token is derived from the key, not stored", async () => {
    const before = (await rowsOf()).length;
    const first = await torrent();
    const second = await torrent();
    assert.equal(second, first);
    const rows = await rowsOf();
    assert.equal(rows.length, before + 1);
    assert.equal(derivedToken(peer.key, rows[rows.length - 1]!.id), first);
    assert.equal(rows[rows.length - 1]!.note, "torrent web seed");
  });

  test("a much shorter life than the live link's: a new link (never a longer life than asked)", async () => {
    const long = await torrent();
    const short = await torrent("?link-expires=3600");
    assert.notEqual(short, long);
    assert.equal(await torrent("?link-expires=3600"), short);
  });

  test("another credential of the same key (a web session) gets its own link", async () => {
    const signIn = await fetch(`${peer.url}/web/sign-in`, {
      method: "POST",
      headers: { origin: peer.url, "content-type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams({ key: peer.key }).toString(),
      redirect: "manual",
    });
    const cookie = /peer_session=[^;]+/.exec(signIn.headers.get("set-cookie") ?? "")?.[0];
    assert.ok(cookie);
    const viaSession = await torrent("", { cookie });
    assert.notEqual(viaSession, await torrent());
    assert.equal(await torrent("", { cookie }), viaSession);
  });

  test("a link over 365 days is refused with what to do", async () => {
    const res = await fetch(`${peer.url}/v1/torrents/share/a.txt?link-expires=${366 * 86_400}`, {
      headers: { "x-api-key": peer.key },
    });
    assert.equal(res.status, 400);
    assert.match(await res.text(), /between 60 and 31536000/);
  });
});

describe("session cookie behind an https --public-url", () => {
  let proxied: TestPeer;
  before(async () => {
    proxied = await startTestPeer({ files: { "a.txt": "x" }, publicUrl: "https://files.example.org/" });
  });
  after(() => proxied?.close());

  test("Secure and __Host- although the listener is plain HTTP; the cookie is read back under that name", async () => {
    const signIn = await fetch(`${proxied.url}/web/sign-in`, {
      method: "POST",
      headers: { origin: "https://files.example.org", "content-type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams({ key: proxied.key }).toString(),
      redirect: "manual",
    });
    assert.equal(signIn.status, 303);
    const setCookie = signIn.headers.get("set-cookie") ?? "";
    assert.match(
      setCookie,
      /^__Host-peer_session=[A-Za-z0-9_-]{43}; Path=\/; Max-Age=\d+; HttpOnly; SameSite=Strict; Secure$/,
    );
    const cookie = setCookie.split(";")[0] as string;
    const page = await fetch(`${proxied.url}/`, { headers: { cookie } });
    assert.match(await page.text(), /Sign out/);
    const plain = await fetch(`${proxied.url}/`, { headers: { cookie: cookie.replace("__Host-", "") } });
    assert.doesNotMatch(await plain.text(), /Sign out/, "the unprefixed name is not accepted");
  });
});
