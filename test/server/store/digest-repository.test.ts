import assert from "node:assert/strict";
import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { after, before, describe, test } from "node:test";
import type { Kysely } from "kysely";
import { openServerDatabase, type ServerDatabase } from "../../../server/store/database.js";
import { deleteDigest, getDigest, putDigest } from "../../../server/store/digest-repository.js";

describe("digest repository", () => {
  let root: string;
  let db: Kysely<ServerDatabase>;
  before(async () => {
    root = await mkdtemp(path.join(os.tmpdir(), "peer-store-digest-"));
    db = await openServerDatabase(root);
  });
  after(async () => {
    await db.destroy();
    await rm(root, { recursive: true, force: true });
  });

  test("unknown item has no digest", async () => {
    assert.equal(await getDigest(db, "s/none", '"1"'), undefined);
  });

  test("a digest is returned only for the etag it was computed for", async () => {
    await putDigest(db, "s/a.bin", '"e1"', "aa".repeat(32));
    assert.equal(await getDigest(db, "s/a.bin", '"e1"'), "aa".repeat(32));
    assert.equal(await getDigest(db, "s/a.bin", '"e2"'), undefined);
  });

  test("a new etag replaces the old digest (upsert, one row per item)", async () => {
    await putDigest(db, "s/b.bin", '"v1"', "11".repeat(32), 1000);
    await putDigest(db, "s/b.bin", '"v2"', "22".repeat(32), 2000);
    assert.equal(await getDigest(db, "s/b.bin", '"v1"'), undefined);
    assert.equal(await getDigest(db, "s/b.bin", '"v2"'), "22".repeat(32));
    const rows = await db.selectFrom("file_digest").selectAll().where("item_id", "=", "s/b.bin").execute();
    assert.deepEqual(rows, [{ item_id: "s/b.bin", etag: '"v2"', sha256: "22".repeat(32), computed_at: 2000 }]);
  });

  test("items are independent, and ids are compared exactly", async () => {
    await putDigest(db, "s/C.txt", '"1"', "cc".repeat(32));
    await putDigest(db, "s/c.txt", '"1"', "dd".repeat(32));
    assert.equal(await getDigest(db, "s/C.txt", '"1"'), "cc".repeat(32));
    assert.equal(await getDigest(db, "s/c.txt", '"1"'), "dd".repeat(32));
  });

  test("deleteDigest forgets an item", async () => {
    await putDigest(db, "s/gone", '"1"', "ee".repeat(32));
    assert.equal(await deleteDigest(db, "s/gone"), true);
    assert.equal(await deleteDigest(db, "s/gone"), false);
    assert.equal(await getDigest(db, "s/gone", '"1"'), undefined);
  });
});
