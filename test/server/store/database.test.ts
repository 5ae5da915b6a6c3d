import assert from "node:assert/strict";
import { mkdtemp, rm, stat, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { after, before, describe, test } from "node:test";
import { execFile } from "node:child_process";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { sql } from "kysely";
import { openServerDatabase, openServerDatabaseFile } from "../../../server/store/database.js";
import { serverMigrations } from "../../../server/store/migrations/index.js";

const exec = promisify(execFile);

describe("openServerDatabase", { timeout: 300_000 }, () => {
  let root: string;
  before(async () => {
    root = await mkdtemp(path.join(os.tmpdir(), "peer-store-db-"));
  });
  after(async () => {
    await rm(root, { recursive: true, force: true });
  });

  test("creates the data dir (0700) and server.db (0600) and applies every migration", async () => {
    const dataDir = path.join(root, "fresh", "nested");
    const db = await openServerDatabase(dataDir);
    try {
      if (process.platform !== "win32") {
        assert.equal((await stat(dataDir)).mode & 0o777, 0o700);
        assert.equal((await stat(path.join(dataDir, "server.db"))).mode & 0o777, 0o600);
      }
      const applied = await db
        .selectFrom("kysely_migration" as never)
        .select(sql<string>`name`.as("name"))
        .orderBy(sql`name`)
        .execute();
      assert.deepEqual(
        applied.map((r) => r.name),
        Object.keys(serverMigrations).sort(),
      );
      const tables = await db.introspection.getTables();
      const byName = new Map(tables.map((t) => [t.name, t.columns.map((c) => c.name).sort()]));
      assert.deepEqual(byName.get("api_key"), [
        "created_at",
        "expires_at",
        "hash",
        "id",
        "last_used_at",
        "name",
        "revoked_at",
        "scopes",
      ]);
      assert.deepEqual(byName.get("file_digest"), ["computed_at", "etag", "item_id", "sha256"]);
    } finally {
      await db.destroy();
    }
  });

  test("uses WAL, a busy timeout and foreign keys", async () => {
    const db = await openServerDatabase(path.join(root, "pragmas"));
    try {
      const journal = await sql<{ journal_mode: string }>`PRAGMA journal_mode`.execute(db);
      assert.equal(journal.rows[0]?.journal_mode, "wal");
      const busy = await sql<{ timeout: number }>`PRAGMA busy_timeout`.execute(db);
      assert.ok((busy.rows[0]?.timeout ?? 0) >= 1000);
      const fk = await sql<{ foreign_keys: number }>`PRAGMA foreign_keys`.execute(db);
      assert.equal(fk.rows[0]?.foreign_keys, 1);
    } finally {
      await db.destroy();
    }
  });

  test("reopening an existing database keeps its rows and re-runs nothing", async () => {
    const dataDir = path.join(root, "reopen");
    const first = await openServerDatabase(dataDir);
    await first
      .insertInto("file_digest")
      .values({ item_id: "s/a", etag: '"1"', sha256: "ab", computed_at: 1 })
      .execute();
    await first.destroy();
    const second = await openServerDatabase(dataDir);
    try {
      const rows = await second.selectFrom("file_digest").selectAll().execute();
      assert.deepEqual(rows, [{ item_id: "s/a", etag: '"1"', sha256: "ab", computed_at: 1 }]);
    } finally {
      await second.destroy();
    }
  });

  test("two connections opening the same fresh file at once both succeed", async () => {
    const dataDir = path.join(root, "race");
    const [a, b] = await Promise.all([openServerDatabase(dataDir), openServerDatabase(dataDir)]);
    try {
      await a.insertInto("file_digest").values({ item_id: "s/x", etag: '"e"', sha256: "00" }).execute();
      const row = await b.selectFrom("file_digest").selectAll().executeTakeFirstOrThrow();
      assert.equal(row.item_id, "s/x");
      assert.ok(row.computed_at > 0, "computed_at defaults to now");
    } finally {
      await Promise.all([a.destroy(), b.destroy()]);
    }
  });

  test("six processes opening the same fresh file at once all succeed (migrations serialised)", async () => {
    const dataDir = path.join(root, "processes");
    const child = fileURLToPath(new URL("./open-database-child.ts", import.meta.url));
    const results = await Promise.all(
      Array.from({ length: 6 }, () =>
        exec(process.execPath, ["--import", "tsx", child, dataDir]).then(
          () => "ok",
          (error: { stderr?: string }) => error.stderr ?? String(error),
        ),
      ),
    );
    assert.deepEqual(results, Array(6).fill("ok"));
    const db = await openServerDatabase(dataDir);
    try {
      assert.equal((await db.selectFrom("file_digest").selectAll().execute()).length, 6);
    } finally {
      await db.destroy();
    }
  });

  test("a data dir that is a file fails with a message naming it", async () => {
    const file = path.join(root, "not-a-dir");
    await writeFile(file, "x");
    await assert.rejects(openServerDatabase(file), (error: Error) => {
      assert.match(error.message, /data directory .*not-a-dir/);
      return true;
    });
  });

  test("an in-memory database is migrated too", async () => {
    const db = await openServerDatabaseFile(":memory:");
    try {
      assert.deepEqual(await db.selectFrom("api_key").selectAll().execute(), []);
    } finally {
      await db.destroy();
    }
  });
});
