/**
 * common/store/statement-cache.ts on a real SQLite file: one prepare per distinct SQL text, least
 * recently used evicted past the limit, a busy statement never shared, results right across a
 * schema change, and Kysely queries through it (the store opener uses it for both stores).
 */
import assert from "node:assert/strict";
import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { test } from "node:test";
import Database from "better-sqlite3";
import { sql } from "kysely";
import { openSqliteFile } from "../../../common/store/sqlite-file.js";
import { cachingStatements } from "../../../common/store/statement-cache.js";

function counting(sqlite: Database.Database): { prepares: () => number } {
  let n = 0;
  const prepare = sqlite.prepare.bind(sqlite);
  sqlite.prepare = ((source: string) => {
    n++;
    return prepare(source);
  }) as typeof sqlite.prepare;
  return { prepares: () => n };
}

test("each distinct statement is prepared once; the least recently used goes past the limit", () => {
  const sqlite = new Database(":memory:");
  sqlite.exec("create table t (a integer)");
  const count = counting(sqlite);
  const db = cachingStatements(sqlite, 2);
  const insert = db.prepare("insert into t (a) values (?)");
  for (let i = 0; i < 5; i++) assert.equal(db.prepare("insert into t (a) values (?)"), insert);
  for (let i = 0; i < 5; i++) db.prepare("insert into t (a) values (?)").run([i]);
  assert.equal(count.prepares(), 1, "one prepare for six uses");
  assert.deepEqual(db.prepare("select count(*) as n from t").all([]), [{ n: 5 }]);
  assert.equal(count.prepares(), 2);
  db.prepare("insert into t (a) values (?)"); // insert is now the most recently used
  db.prepare("select max(a) as m from t"); // a third statement: the count query goes
  assert.equal(db.cached, 2, "at most 2 kept");
  assert.equal(count.prepares(), 3);
  db.prepare("insert into t (a) values (?)");
  assert.equal(count.prepares(), 3, "insert stayed");
  db.prepare("select count(*) as n from t");
  assert.equal(count.prepares(), 4, "the evicted statement is prepared again");
  db.close();
  assert.equal(sqlite.open, false, "close() closes the connection");
});

test("a statement busy in an open iterator is not handed out again", () => {
  const sqlite = new Database(":memory:");
  const db = cachingStatements(sqlite);
  sqlite.exec("create table t (a integer); insert into t values (1), (2), (3);");
  const select = "select a from t order by a";
  const outer = db.prepare(select);
  const seen: unknown[] = [];
  for (const row of outer.iterate([])) {
    const inner = db.prepare(select);
    assert.notEqual(inner, outer, "a busy statement is never shared");
    seen.push((row as { a: number }).a, inner.all([]).length);
  }
  assert.deepEqual(seen, [1, 3, 2, 3, 3, 3]);
  assert.equal(db.prepare(select), outer, "once idle, the cached one is used again");
  db.close();
});

test("through Kysely on a SQLite file: right results across a schema change and a failed statement", async () => {
  const dir = await mkdtemp(path.join(os.tmpdir(), "peer-stmt-cache-"));
  const { db } = await openSqliteFile<{ t: { a: number; b?: string | null } }>({
    filename: path.join(dir, "x.db"),
    label: "test",
    busyTimeoutMs: 1000,
  });
  try {
    await sql`create table t (a integer primary key)`.execute(db);
    for (let a = 1; a <= 3; a++) await db.insertInto("t").values({ a }).execute();
    const all = () => db.selectFrom("t").selectAll().orderBy("a").execute();
    assert.deepEqual(await all(), [{ a: 1 }, { a: 2 }, { a: 3 }]);
    await assert.rejects(db.insertInto("t").values({ a: 1 }).execute(), /UNIQUE/);
    await db.insertInto("t").values({ a: 4 }).execute(); // the same statement, after its failure
    await sql`alter table t add column b text`.execute(db);
    await db.updateTable("t").set({ b: "x" }).where("a", "=", 2).execute();
    assert.deepEqual(await all(), [
      { a: 1, b: null },
      { a: 2, b: "x" },
      { a: 3, b: null },
      { a: 4, b: null },
    ]);
  } finally {
    await db.destroy();
    await rm(dir, { recursive: true, force: true });
  }
});
