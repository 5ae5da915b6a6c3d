import assert from "node:assert/strict";
import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { after, before, describe, test } from "node:test";
import Database from "better-sqlite3";
import { Kysely, Migrator, SqliteDialect } from "kysely";
import { openServerDatabase, SERVER_DATABASE_FILE, type ServerDatabase } from "../../../server/store/database.js";
import { serverMigrationProvider } from "../../../server/store/migrations/index.js";
import { putDigest } from "../../../server/store/digest-repository.js";
import {
  getContentDigest,
  getPieces,
  getPiecesRoot,
  itemIdsWithRoot,
  putPieces,
  deletePieces,
} from "../../../server/store/pieces-repository.js";

const R1 = "11".repeat(32);
const R2 = "22".repeat(32);

describe("pieces repository", () => {
  let root: string;
  let db: Kysely<ServerDatabase>;
  before(async () => {
    root = await mkdtemp(path.join(os.tmpdir(), "peer-store-pieces-"));
    db = await openServerDatabase(root);
  });
  after(async () => {
    await db.destroy();
    await rm(root, { recursive: true, force: true });
  });

  test("a tree is returned only for the etag it was computed for, and replaced by a newer one", async () => {
    assert.equal(await getPieces(db, "s/a", '"e1"'), undefined);
    await putPieces(db, "s/a", '"e1"', { piecesRoot: R1, pieceLength: 16384, layer: "ab".repeat(64) });
    assert.deepEqual(await getPieces(db, "s/a", '"e1"'), {
      piecesRoot: R1,
      pieceLength: 16384,
      layer: "ab".repeat(64),
    });
    assert.deepEqual(await getPiecesRoot(db, "s/a", '"e1"'), { piecesRoot: R1, pieceLength: 16384 });
    assert.equal(await getPieces(db, "s/a", '"e2"'), undefined);
    await putPieces(db, "s/a", '"e2"', { piecesRoot: R2, pieceLength: 1 << 24, layer: "" });
    assert.equal(await getPieces(db, "s/a", '"e1"'), undefined, "the old version is gone");
    assert.deepEqual(await getPieces(db, "s/a", '"e2"'), { piecesRoot: R2, pieceLength: 1 << 24, layer: "" });
  });

  test("getContentDigest joins digest and tree of the same etag only", async () => {
    await putDigest(db, "s/b", '"e1"', "cc".repeat(32));
    assert.deepEqual(await getContentDigest(db, "s/b", '"e1"'), { sha256: "cc".repeat(32) }, "no tree yet");
    await putPieces(db, "s/b", '"e0"', { piecesRoot: R1, pieceLength: 16384, layer: "" });
    assert.deepEqual(
      await getContentDigest(db, "s/b", '"e1"'),
      { sha256: "cc".repeat(32) },
      "a tree of another etag does not count",
    );
    await putPieces(db, "s/b", '"e1"', { piecesRoot: R1, pieceLength: 32768, layer: "" });
    assert.deepEqual(await getContentDigest(db, "s/b", '"e1"'), {
      sha256: "cc".repeat(32),
      piecesRoot: R1,
      pieceLength: 32768,
    });
    assert.equal(await getContentDigest(db, "s/b", '"e9"'), undefined);
  });

  test("itemIdsWithRoot: id order, after, limit; deletePieces", async () => {
    for (const id of ["s/z", "s/m", "t/a", "s/c"])
      await putPieces(db, id, '"e"', { piecesRoot: R2, pieceLength: 16384, layer: "" });
    assert.deepEqual(await itemIdsWithRoot(db, R2, { limit: 10 }), ["s/a", "s/c", "s/m", "s/z", "t/a"]);
    assert.deepEqual(await itemIdsWithRoot(db, R2, { afterId: "s/c", limit: 2 }), ["s/m", "s/z"]);
    assert.deepEqual(await itemIdsWithRoot(db, "33".repeat(32), { limit: 10 }), []);
    assert.equal(await deletePieces(db, "s/z"), true);
    assert.equal(await deletePieces(db, "s/z"), false);
    assert.deepEqual(await itemIdsWithRoot(db, R2, { afterId: "s/m", limit: 10 }), ["t/a"]);
  });
});

test("migration 0003 upgrades a database made by the previous release, keeping its digests", async () => {
  const root = await mkdtemp(path.join(os.tmpdir(), "peer-store-upgrade-"));
  try {
    const old = new Kysely<any>({
      dialect: new SqliteDialect({ database: new Database(path.join(root, SERVER_DATABASE_FILE)) }),
    });
    const { error } = await new Migrator({ db: old, provider: serverMigrationProvider }).migrateTo(
      "0002_create_file_digest",
    );
    assert.equal(error, undefined);
    await old
      .insertInto("file_digest")
      .values({ item_id: "s/old", etag: '"e"', sha256: "dd".repeat(32), computed_at: 1 })
      .execute();
    await old.destroy();
    const db = await openServerDatabase(root);
    try {
      assert.deepEqual(
        await getContentDigest(db, "s/old", '"e"'),
        { sha256: "dd".repeat(32) },
        "digest kept, no tree yet",
      );
      await putPieces(db, "s/old", '"e"', { piecesRoot: R1, pieceLength: 16384, layer: "" });
      assert.equal((await getPiecesRoot(db, "s/old", '"e"'))?.piecesRoot, R1);
    } finally {
      await db.destroy();
    }
  } finally {
    await rm(root, { recursive: true, force: true });
  }
});
