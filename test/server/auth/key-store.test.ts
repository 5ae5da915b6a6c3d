import assert from "node:assert/strict";
import { mkdtemp, readdir, readFile, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { after, before, describe, test } from "node:test";
import { Code, ConnectError } from "@connectrpc/connect";
import type { Kysely } from "kysely";
import { hashSecret, parseApiKey } from "../../../server/auth/key-format.js";
import { openKeyStore } from "../../../server/auth/key-store.js";
import { openServerDatabase, type ServerDatabase } from "../../../server/store/database.js";

const HOUR = 3_600_000;

describe("key store", () => {
  let root: string;
  let dataDir: string;
  let db: Kysely<ServerDatabase>;
  let clock = Date.UTC(2030, 0, 1);
  const now = () => clock;
  before(async () => {
    root = await mkdtemp(path.join(os.tmpdir(), "peer-store-keys-"));
    dataDir = path.join(root, "data");
    db = await openServerDatabase(dataDir);
  });
  after(async () => {
    await db.destroy();
    await rm(root, { recursive: true, force: true });
  });

  test("create returns a well-formed key once; authenticate accepts it", async () => {
    const keys = openKeyStore(db, { now });
    const created = await keys.create({ name: "laptop" });
    const parsed = parseApiKey(created.key);
    assert.ok(parsed, "key has the peer_<id>_<secret> shape");
    assert.equal(parsed.id, created.id);
    assert.equal(created.name, "laptop");
    assert.equal(created.createdAt.getTime(), clock);
    assert.equal(created.expiresAt, null);
    assert.deepEqual(await keys.authenticate(created.key), {
      keyId: created.id,
      keyName: "laptop",
      scopes: ["read"],
    });
  });

  test("two keys never share id or secret", async () => {
    const keys = openKeyStore(db, { now });
    const a = await keys.create({ name: "a" });
    const b = await keys.create({ name: "a" });
    assert.notEqual(a.id, b.id);
    assert.notEqual(parseApiKey(a.key)?.secret, parseApiKey(b.key)?.secret);
  });

  test("authenticate rejects missing, malformed, unknown-id and wrong-secret keys", async () => {
    const keys = openKeyStore(db, { now });
    const created = await keys.create({ name: "victim" });
    const parsed = parseApiKey(created.key)!;
    const flipped = (parsed.secret[0] === "A" ? "B" : "A") + parsed.secret.slice(1);
    const otherId = (parsed.id[0] === "0" ? "1" : "0") + parsed.id.slice(1);
    const cases: Array<[string, string | undefined]> = [
      ["missing", undefined],
      ["empty", ""],
      ["garbage", "hello"],
      ["secret of the right key, other id", `peer_${otherId}_${parsed.secret}`],
      ["right id, one secret char changed", `peer_${parsed.id}_${flipped}`],
      ["the stored hash presented as the secret", `peer_${parsed.id}_${hashSecret(parsed.secret)}`],
      ["key with suffix", `${created.key}x`],
    ];
    for (const [name, presented] of cases) {
      assert.equal(await keys.authenticate(presented), undefined, name);
    }
  });

  test("an expired key is rejected; one that expires later works until then", async () => {
    const keys = openKeyStore(db, { now });
    const created = await keys.create({ name: "short", expiresAt: new Date(clock + HOUR) });
    assert.equal(created.expiresAt?.getTime(), clock + HOUR);
    const saved = clock;
    try {
      clock = saved + HOUR - 1;
      assert.ok(await keys.authenticate(created.key), "valid one ms before expiry");
      clock = saved + HOUR;
      assert.equal(await keys.authenticate(created.key), undefined, "invalid at expiry");
      const info = (await keys.list()).find((k) => k.id === created.id);
      assert.equal(info?.status, "expired");
    } finally {
      clock = saved;
    }
  });

  test("create refuses a past expiry, an invalid date and bad names", async () => {
    const keys = openKeyStore(db, { now });
    await assert.rejects(keys.create({ name: "x", expiresAt: new Date(clock) }), /future/);
    await assert.rejects(keys.create({ name: "x", expiresAt: new Date(clock - 1) }), /future/);
    await assert.rejects(keys.create({ name: "x", expiresAt: new Date(Number.NaN) }), /valid date/);
    await assert.rejects(keys.create({ name: "" }), /empty/);
    await assert.rejects(keys.create({ name: "a\nb" }), /printable/);
    await assert.rejects(keys.create({ name: "y".repeat(65) }), /64/);
  });

  test("revoke applies at once, also when done through a second connection (another process)", async () => {
    const server = openKeyStore(db, { now });
    const created = await server.create({ name: "to-revoke" });
    assert.ok(await server.authenticate(created.key));
    // The CLI opens its own connection to the same file.
    const cliDb = await openServerDatabase(dataDir);
    try {
      const cli = openKeyStore(cliDb, { now });
      assert.equal(await cli.revoke(created.id), true);
      assert.equal(await cli.revoke(created.id), true, "revoking twice is fine");
    } finally {
      await cliDb.destroy();
    }
    assert.equal(await server.authenticate(created.key), undefined);
    const info = (await server.list()).find((k) => k.id === created.id);
    assert.equal(info?.status, "revoked");
    assert.equal(info?.revokedAt?.getTime(), clock);
  });

  test("revoke of an unknown or malformed id returns false", async () => {
    const keys = openKeyStore(db, { now });
    assert.equal(await keys.revoke("ffffffffffffffff"), false);
    assert.equal(await keys.revoke("not an id' OR 1=1 --"), false);
    assert.equal(await keys.revoke(""), false);
  });

  test("list shows keys without secrets, oldest first, with count()", async () => {
    const fresh = await openServerDatabase(path.join(root, "list"));
    try {
      let t = Date.UTC(2031, 5, 1);
      const keys = openKeyStore(fresh, { now: () => t });
      assert.equal(await keys.count(), 0);
      const a = await keys.create({ name: "first" });
      t += 1000;
      const b = await keys.create({ name: "second", expiresAt: new Date(t + HOUR) });
      const list = await keys.list();
      assert.equal(await keys.count(), 2);
      assert.deepEqual(
        list.map((k) => [k.id, k.name, k.status, k.expiresAt?.getTime() ?? null]),
        [
          [a.id, "first", "active", null],
          [b.id, "second", "active", t + HOUR],
        ],
      );
      const text = JSON.stringify(list);
      for (const created of [a, b]) {
        assert.ok(!text.includes(parseApiKey(created.key)!.secret), "no secret in list()");
        assert.ok(!text.includes(hashSecret(parseApiKey(created.key)!.secret)), "no hash in list()");
      }
    } finally {
      await fresh.destroy();
    }
  });

  test("last use is recorded at most once per interval", async () => {
    const fresh = await openServerDatabase(path.join(root, "touch"));
    try {
      let t = Date.UTC(2032, 0, 1);
      const keys = openKeyStore(fresh, { now: () => t, touchIntervalMs: 60_000 });
      const created = await keys.create({ name: "used" });
      const lastUsed = async () => (await keys.list())[0]?.lastUsedAt?.getTime() ?? null;
      assert.equal(await lastUsed(), null);
      await keys.authenticate(created.key);
      assert.equal(await lastUsed(), t);
      const firstUse = t;
      t += 59_999;
      await keys.authenticate(created.key);
      assert.equal(await lastUsed(), firstUse);
      t += 1;
      await keys.authenticate(created.key);
      assert.equal(await lastUsed(), t);
    } finally {
      await fresh.destroy();
    }
  });

  test("a database that cannot be read rejects with UNAVAILABLE, not as a bad key", async () => {
    const closed = await openServerDatabase(path.join(root, "closed"));
    const keys = openKeyStore(closed);
    const created = await keys.create({ name: "x" });
    await closed.destroy();
    await assert.rejects(keys.authenticate(created.key), (error: unknown) => {
      assert.ok(error instanceof ConnectError);
      assert.equal(error.code, Code.Unavailable);
      assert.doesNotMatch(error.message, /peer_/, "no key in the message");
      return true;
    });
    assert.equal(await keys.authenticate("malformed"), undefined, "malformed keys never touch the database");
  });

  test("at rest: the secret never appears in the database files, only its SHA-256", async () => {
    const dir = path.join(root, "at-rest");
    const fresh = await openServerDatabase(dir);
    const created = await openKeyStore(fresh).create({ name: "at-rest" });
    const { secret } = parseApiKey(created.key)!;
    // Look in the WAL too, before and after a checkpoint on close.
    const scan = async () => {
      let all = "";
      for (const name of await readdir(dir)) {
        all += (await readFile(path.join(dir, name))).toString("latin1");
      }
      return all;
    };
    const before = await scan();
    await fresh.destroy();
    const afterClose = await scan();
    for (const bytes of [before, afterClose]) {
      assert.ok(!bytes.includes(secret), "secret found in the database files");
      assert.ok(!bytes.includes(created.key), "key found in the database files");
    }
    assert.ok(afterClose.includes(hashSecret(secret)), "the hash is what is stored");
  });
});
