/**
 * Key scopes: the pure decision (path → scope) as a table, the stored form, the
 * migration of keys made before scopes, and real calls both ways: a
 * downloads-only key refused on every read entry point (PERMISSION_DENIED / 403),
 * a read key let through.
 */
import assert from "node:assert/strict";
import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { after, before, describe, test } from "node:test";
import Database from "better-sqlite3";
import { Kysely, Migrator, SqliteDialect } from "kysely";
import { Code, ConnectError } from "@connectrpc/connect";
import {
  allows,
  formatScopes,
  parseScope,
  readScopes,
  requiredScope,
  type Requirement,
} from "../../../server/auth/scope.js";
import { openKeyStore } from "../../../server/auth/key-store.js";
import { serverMigrations } from "../../../server/store/migrations/index.js";
import { openServerDatabase } from "../../../server/store/database.js";
import { PEER_PROTOCOLS, peerClient, startTestPeer, type TestPeer } from "../../helpers/peer-server.js";

describe("requiredScope", () => {
  const cases: Array<[string, string, Requirement]> = [
    ["empty path", "", "read"],
    ["traversal towards the API", "/v1/files/../api/v2/torrents/add", "read"],
    ["a look-alike service", "/peer.v1.DownloadServiceX/AddDownload", "read"],
    ["a look-alike API prefix", "/api/v2x/torrents/info", "read"],
    ["a look-alike indexer prefix", "/api/torznabx", "read"],
    ["a look-alike downloads prefix", "/v1/downloadsx/1/content", "read"],
    ["upper-case API path", "/API/V2/torrents/info", "read"],
    ["downloads view look-alike", "/web/downloadsx", "read"],
    ["unknown path", "/nope", "read"],
    ["health", "/grpc.health.v1.Health/Check", "none"],
    ["PeerService", "/peer.v1.PeerService/ReadFile", "read"],
    ["DownloadService", "/peer.v1.DownloadService/AddDownload", "downloads"],
    ["qBittorrent login", "/api/v2/auth/login", "downloads"],
    ["qBittorrent info", "/api/v2/torrents/info", "downloads"],
    ["Torznab", "/api/torznab", "downloads"],
    ["Torznab download link", "/api/torznab/download/abc.torrent", "downloads"],
    ["a download's content", "/v1/downloads/42/content", "downloads"],
    ["files route", "/v1/files/share/a.txt", "read"],
    ["torrents route", "/v1/torrents/share/a.txt", "read"],
    ["links: the token authorises", "/v1/links/abc/a.txt", "none"],
    ["web root", "/", "read"],
    ["web browse", "/web/browse/share/", "read"],
    ["sign-in", "/web/sign-in", "none"],
    ["sign-out", "/web/sign-out", "none"],
    ["stylesheet", "/web/style.css", "none"],
    ["downloads view", "/web/downloads", "downloads"],
    ["downloads view action", "/web/downloads/pause", "downloads"],
  ];
  for (const [name, p, want] of cases) test(name, () => assert.equal(requiredScope(p), want));
});

describe("scope values", () => {
  test("allows", () => {
    assert.equal(allows([], "none"), true);
    assert.equal(allows([], "read"), false);
    assert.equal(allows(["read"], "downloads"), false);
    assert.equal(allows(["downloads"], "read"), false);
    assert.equal(allows(["read", "downloads"], "downloads"), true);
  });
  test("parseScope", () => {
    assert.deepEqual(parseScope("Downloads"), { ok: true, value: "downloads" });
    assert.equal(parseScope("admin").ok, false);
    assert.equal(parseScope("").ok, false);
    assert.equal(parseScope("read,downloads").ok, false);
  });
  test("stored form: ordered, deduplicated, unknown words grant nothing", () => {
    assert.equal(formatScopes(["downloads", "read", "downloads"]), "read,downloads");
    assert.throws(() => formatScopes([]), /at least one scope/);
    assert.deepEqual(readScopes("downloads,read"), ["read", "downloads"]);
    assert.deepEqual(readScopes("admin,downloads"), ["downloads"]);
    assert.deepEqual(readScopes(""), []);
    assert.deepEqual(readScopes(null), ["read"]);
  });
});

test("a key made before scopes existed is a read key after the migration", async () => {
  const dir = await mkdtemp(path.join(os.tmpdir(), "peer-scope-mig-"));
  try {
    const old = new Kysely<Record<string, never>>({
      dialect: new SqliteDialect({ database: new Database(path.join(dir, "server.db")) }),
    });
    const first5 = Object.fromEntries(Object.entries(serverMigrations).filter(([name]) => name < "0006"));
    const migrated = await new Migrator({ db: old, provider: { getMigrations: async () => first5 } }).migrateToLatest();
    assert.equal(migrated.error, undefined);
    await old.destroy();
    const db = await openServerDatabase(dir);
    try {
      // Rows made by 0001–0005 get the column's default; made here through the old columns only.
      await db
        .insertInto("api_key")
        .values({
          id: "0123456789abcdef",
          name: "old",
          hash: "0".repeat(64),
          created_at: 1,
          expires_at: null,
          revoked_at: null,
          last_used_at: null,
        })
        .execute();
      const [key] = await openKeyStore(db).list();
      assert.deepEqual(key?.scopes, ["read"]);
    } finally {
      await db.destroy();
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

describe("scopes over real calls", () => {
  let peer: TestPeer;
  let downloadsKey: string;
  before(async () => {
    peer = await startTestPeer({ files: { "a.txt": "alpha" } });
    downloadsKey = (await peer.server.keys.create({ name: "arr", scopes: ["downloads"] })).key;
  });
  after(() => peer.close());

  for (const protocol of PEER_PROTOCOLS) {
    test(`${protocol}: a downloads-only key gets PERMISSION_DENIED from PeerService; a read key does not`, async () => {
      const client = peerClient(peer.url, protocol);
      const denied = await client
        .statItem({ itemId: "share/a.txt" }, { headers: { authorization: `Bearer ${downloadsKey}` } })
        .then(
          () => "ok",
          (e: unknown) => ConnectError.from(e),
        );
      assert.ok(denied instanceof ConnectError);
      assert.equal(denied.code, Code.PermissionDenied);
      assert.match(denied.rawMessage, /lacks the "read" scope/);
      const chunks: Uint8Array[] = [];
      const reading = client.readFile({ itemId: "share/a.txt" }, { headers: { "x-api-key": downloadsKey } });
      await assert.rejects(
        (async () => {
          for await (const m of reading) chunks.push(m.data);
        })(),
        (e: unknown) => ConnectError.from(e).code === Code.PermissionDenied,
      );
      assert.equal(chunks.length, 0);
      const ok = await client.statItem({ itemId: "share/a.txt" }, { headers: { authorization: `Bearer ${peer.key}` } });
      assert.equal(ok.item?.size, 5n);
    });
  }

  test("HTTP file and torrent routes answer 403 to a downloads-only key, 200 to a read key", async () => {
    for (const route of ["/v1/files/share/a.txt", "/v1/torrents/share/a.txt"]) {
      const denied = await fetch(peer.url + route, { headers: { authorization: `Bearer ${downloadsKey}` } });
      assert.equal(denied.status, 403, route);
      assert.match(await denied.text(), /lacks the "read" scope/);
    }
    const ok = await fetch(`${peer.url}/v1/files/share/a.txt`, { headers: { authorization: `Bearer ${peer.key}` } });
    assert.equal(ok.status, 200);
    assert.equal(await ok.text(), "alpha");
  });

  test("the web page: a downloads-only session may sign in but not browse", async () => {
    const signIn = await fetch(`${peer.url}/web/sign-in`, {
      method: "POST",
      redirect: "manual",
      headers: { "content-type": "application/x-www-form-urlencoded", origin: peer.url },
      body: new URLSearchParams({ key: downloadsKey }).toString(),
    });
    assert.equal(signIn.status, 303);
    const cookie = (signIn.headers.get("set-cookie") ?? "").split(";")[0] ?? "";
    // Without the download service there is no view to go to: `/` says what the key lacks
    // (with it, `/` leads to the view: test/service/downloads-view/downloads-view.test.ts).
    const home = await fetch(`${peer.url}/`, { headers: { cookie }, redirect: "manual" });
    assert.equal(home.status, 403);
    assert.match(await home.text(), /lacks the &quot;read&quot; scope/);
    const page = await fetch(`${peer.url}/web/browse/share/`, { headers: { cookie } });
    assert.equal(page.status, 403);
    assert.doesNotMatch(await page.text(), /a\.txt/);
  });
});
