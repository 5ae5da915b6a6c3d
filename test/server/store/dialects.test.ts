/**
 * The server store on both dialects, as several `peer serve` replicas use it: each
 * replica its own connection pool on one database. A key created or revoked through
 * one replica is honoured by the others on their next call; digests are shared.
 */
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import type { Kysely } from "kysely";
import { openKeyStore } from "../../../server/auth/key-store.js";
import { openServerDatabase, type ServerDatabase } from "../../../server/store/database.js";
import { deleteDigest, getDigest, putDigest } from "../../../server/store/digest-repository.js";
import { dialectCases, type StoreLocation } from "../../helpers/dialects.js";

for (const dialect of dialectCases()) {
  describe(`server store on ${dialect.name}`, { skip: dialect.skip, timeout: 120_000 }, () => {
    let where: StoreLocation;
    let replicas: Array<Kysely<ServerDatabase>>;
    before(async () => {
      where = await dialect.location();
      // Three replicas starting at once on a fresh database (migrations serialised).
      replicas = await Promise.all(
        [1, 2, 3].map(() => openServerDatabase(where.dataDir, { databaseUrl: where.databaseUrl })),
      );
    });
    after(async () => {
      for (const db of replicas ?? []) await db.destroy();
      await where?.cleanup();
    });

    test("a key created through one replica works on all; revoked through another, refused by all at once", async () => {
      const [a, b, c] = replicas.map((db) => openKeyStore(db));
      assert.ok(a && b && c);
      const created = await a.create({ name: "shared" });
      for (const store of [a, b, c]) assert.equal((await store.authenticate(created.key))?.keyId, created.id);
      assert.equal(await b.revoke(created.id), true);
      for (const store of [a, b, c])
        assert.equal(await store.authenticate(created.key), undefined, "revoked everywhere");
      assert.equal((await c.list()).find((k) => k.id === created.id)?.status, "revoked");
      assert.equal(await c.count(), 1);
    });

    test("an expired key is refused; times in ms survive the round trip", async () => {
      const [a] = replicas.map((db) => openKeyStore(db, { now: () => Date.now() - 3_600_000 }));
      const created = await a!.create({ name: "old", expiresAt: new Date(Date.now() - 1_800_000) });
      const b = openKeyStore(replicas[1]!);
      assert.equal(await b.authenticate(created.key), undefined);
      const info = (await b.list()).find((k) => k.id === created.id);
      assert.equal(info?.status, "expired");
      assert.equal(info?.expiresAt?.getTime(), created.expiresAt?.getTime());
    });

    test("key hashes are unique in the database", async () => {
      const [a] = replicas;
      await a!
        .insertInto("api_key")
        .values({ id: "u1", name: "x", hash: "same", created_at: 1, expires_at: null })
        .execute();
      await assert.rejects(
        a!
          .insertInto("api_key")
          .values({ id: "u2", name: "x", hash: "same", created_at: 1, expires_at: null })
          .execute(),
      );
    });

    test("digests: one per item, replaced for a new etag, visible to every replica", async () => {
      const [a, b, c] = replicas;
      await putDigest(a!, "s/f", '"1"', "aa", 5);
      assert.equal(await getDigest(b!, "s/f", '"1"'), "aa");
      assert.equal(await getDigest(b!, "s/f", '"2"'), undefined, "another etag");
      await Promise.all([putDigest(b!, "s/f", '"2"', "bb"), putDigest(c!, "s/f", '"2"', "bb")]);
      assert.equal(await getDigest(a!, "s/f", '"1"'), undefined, "the old etag's digest is gone");
      assert.equal(await getDigest(a!, "s/f", '"2"'), "bb");
      assert.equal(await deleteDigest(c!, "s/f"), true);
      assert.equal(await deleteDigest(c!, "s/f"), false);
    });
  });
}
