/**
 * Migrations on both dialects: from an empty database, and from the previous schema
 * (rows kept). On SQLite, the released migrations still write exactly the schema
 * they wrote before they became dialect-neutral.
 */
import assert from "node:assert/strict";
import path from "node:path";
import { after, before, describe, test } from "node:test";
import { sql, type Kysely } from "kysely";
import { isPostgres } from "../../../common/store/dialect.js";
import { migrateStore } from "../../../common/store/migrate-store.js";
import { openPostgres } from "../../../common/store/postgres-pool.js";
import { openSqliteFile } from "../../../common/store/sqlite-file.js";
import { parseDatabaseUrl } from "../../../common/store/database-url.js";
import { openDownloadsDatabase } from "../../../client/store/database.js";
import { clientMigrationProvider, clientMigrations } from "../../../client/store/migrations/index.js";
import { openServerDatabase } from "../../../server/store/database.js";
import { serverMigrationProvider, serverMigrations } from "../../../server/store/migrations/index.js";
import { dialectCases, type StoreLocation } from "../../helpers/dialects.js";

/** sqlite_master of the released migrations, as they wrote it before PostgreSQL support. */
const RELEASED_SQLITE_SCHEMA: Record<string, string> = {
  download:
    'CREATE TABLE "download" ("id" text primary key, "peer_url" text not null, "key_ref" text not null, "transport" text not null, "item_id" text not null, "file_name" text not null, "destination" text not null, "part_path" text not null, "expected_size" bigint, "expected_etag" text, "expected_sha256" text, "committed_bytes" bigint default 0 not null, "status" text not null check (status in (\'queued\',\'downloading\',\'verifying\',\'completed\',\'failed\',\'cancelled\',\'paused\')), "attempts" integer default 0 not null, "restarts" integer default 0 not null, "error_code" text, "error_message" text, "next_attempt_at" bigint, "lease_owner" text, "lease_expires_at" bigint, "created_at" bigint not null, "updated_at" bigint not null, "completed_at" bigint)',
  download_live_destination:
    "CREATE UNIQUE INDEX \"download_live_destination\" on \"download\" (\"destination\") where \"status\" in ('queued', 'downloading', 'verifying', 'paused')",
  download_status: 'CREATE INDEX "download_status" on "download" ("status", "next_attempt_at")',
  api_key:
    'CREATE TABLE "api_key" ("id" text primary key, "name" text not null, "hash" text not null unique, "created_at" integer not null, "expires_at" integer, "revoked_at" integer, "last_used_at" integer)',
  file_digest:
    'CREATE TABLE "file_digest" ("item_id" text primary key, "etag" text not null, "sha256" text not null, "computed_at" integer default (CAST(unixepoch(\'subsec\') * 1000 AS INTEGER)) not null)',
};

const client = { provider: clientMigrationProvider, label: "downloads", name: "client" };
const server = { provider: serverMigrationProvider, label: "server", name: "server" };

async function schemaOf(db: Kysely<unknown>): Promise<Record<string, string>> {
  const { rows } = await sql<{
    name: string;
    sql: string | null;
  }>`select name, sql from sqlite_master where sql is not null`.execute(db);
  return Object.fromEntries(rows.filter((r) => !r.name.startsWith("kysely_")).map((r) => [r.name, r.sql ?? ""]));
}

test("SQLite: the released migrations write the schema they always wrote", async () => {
  const c = await openSqliteFile<unknown>({ filename: ":memory:", label: "t", busyTimeoutMs: 1000 });
  const s = await openSqliteFile<unknown>({ filename: ":memory:", label: "t", busyTimeoutMs: 1000 });
  try {
    await migrateStore(c.db, { ...client, upTo: "0001_create_download" });
    await migrateStore(s.db, { ...server, upTo: "0002_create_file_digest" });
    const all = { ...(await schemaOf(c.db)), ...(await schemaOf(s.db)) };
    assert.deepEqual(all, RELEASED_SQLITE_SCHEMA);
  } finally {
    await c.db.destroy();
    await s.db.destroy();
  }
});

/** Opens a bare handle on a location, for building an older schema. */
async function bare(where: StoreLocation, file: string): Promise<Kysely<unknown>> {
  if (where.databaseUrl === undefined) {
    return (
      await openSqliteFile<unknown>({ filename: path.join(where.dataDir, file), label: "t", busyTimeoutMs: 5000 })
    ).db;
  }
  const target = parseDatabaseUrl(where.databaseUrl);
  assert.ok(target.ok && target.value.kind === "postgres");
  return openPostgres<unknown>({ url: target.value.url, display: target.value.display, label: "t" });
}

for (const dialect of dialectCases()) {
  describe(`migrations on ${dialect.name}`, { skip: dialect.skip, timeout: 120_000 }, () => {
    let where: StoreLocation;
    before(async () => {
      where = await dialect.location();
    });
    after(async () => {
      await where?.cleanup();
    });

    test("from the previous client schema: rows kept, the fencing token added", async () => {
      const old = await bare(where, "downloads.db");
      try {
        await migrateStore(old, { ...client, upTo: "0001_create_download" });
        await sql`insert into download (id, peer_url, key_ref, transport, item_id, file_name, destination, part_path, status, created_at, updated_at, committed_bytes)
          values ('old', 'http://p', 'sha256:0', 'connect', 's/a', 'a', '/d/a', '/d/a.part', 'downloading', 1, 2, 42)`.execute(
          old,
        );
      } finally {
        await old.destroy();
      }
      const db = await openDownloadsDatabase(where.dataDir, { databaseUrl: where.databaseUrl });
      try {
        const row = await db.selectFrom("download").selectAll().where("id", "=", "old").executeTakeFirstOrThrow();
        assert.equal(row.committed_bytes, 42);
        assert.equal(row.lease_token, 0);
        const { rows } = await sql<{
          name: string;
        }>`select name from ${sql.table(isPostgres(db) ? "peer_client_migration" : "kysely_migration")} order by name`.execute(
          db,
        );
        assert.deepEqual(
          rows.map((r) => r.name),
          Object.keys(clientMigrations).sort(),
        );
      } finally {
        await db.destroy();
      }
    });

    test("from the previous server schema, and from empty: keys and digests kept; both stores share one database", async () => {
      const old = await bare(where, "server.db");
      try {
        await migrateStore(old, { ...server, upTo: "0002_create_file_digest" });
        await sql`insert into api_key (id, name, hash, created_at) values ('k', 'n', 'h', ${1_790_000_000_000})`.execute(
          old,
        );
      } finally {
        await old.destroy();
      }
      const db = await openServerDatabase(where.dataDir, { databaseUrl: where.databaseUrl });
      try {
        const key = await db.selectFrom("api_key").selectAll().executeTakeFirstOrThrow();
        assert.equal(key.created_at, 1_790_000_000_000, "a time in ms fits (bigint on PostgreSQL)");
        await db.insertInto("file_digest").values({ item_id: "s/x", etag: '"e"', sha256: "00" }).execute();
        const digest = await db.selectFrom("file_digest").selectAll().executeTakeFirstOrThrow();
        assert.ok(Math.abs(digest.computed_at - Date.now()) < 600_000, "computed_at defaults to now in ms");
        const { rows } = await sql<{
          name: string;
        }>`select name from ${sql.table(isPostgres(db) ? "peer_server_migration" : "kysely_migration")} order by name`.execute(
          db,
        );
        assert.deepEqual(
          rows.map((r) => r.name),
          Object.keys(serverMigrations).sort(),
        );
      } finally {
        await db.destroy();
      }
    });
  });
}
