/**
 * common/store/fifo-sqlite-dialect.ts: the lock hands out in call order, one holder at a time; and
 * through Kysely on a real SQLite file, queries queued behind a transaction run after it, in order.
 */
import assert from "node:assert/strict";
import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { test } from "node:test";
import { sql } from "kysely";
import { FifoLock } from "../../../common/store/fifo-sqlite-dialect.js";
import { openSqliteFile } from "../../../common/store/sqlite-file.js";

test("FifoLock: one holder; waiters get it in the order they asked, one per release", async () => {
  const lock = new FifoLock();
  const order: number[] = [];
  await lock.acquire();
  const waits = [1, 2, 3].map((n) => lock.acquire().then(() => order.push(n)));
  assert.equal(lock.queued, 3);
  await Promise.resolve();
  assert.deepEqual(order, [], "nobody gets a held lock");
  lock.release();
  await waits[0];
  assert.deepEqual(order, [1]);
  assert.equal(lock.queued, 2, "a release wakes one waiter only");
  lock.release();
  lock.release();
  await Promise.all(waits);
  assert.deepEqual(order, [1, 2, 3]);
  lock.release();
  await lock.acquire(); // free again: taken at once
  lock.release();
});

test("through Kysely: statements queued behind a transaction run after its commit, in call order", async () => {
  const dir = await mkdtemp(path.join(os.tmpdir(), "peer-fifo-"));
  try {
    const { db } = await openSqliteFile<{ t: { n: number } }>({
      filename: path.join(dir, "x.db"),
      label: "test",
      busyTimeoutMs: 1000,
    });
    await sql`create table t (n integer not null)`.execute(db);
    let release: () => void = () => undefined;
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    const tx = db.transaction().execute(async (trx) => {
      await trx.insertInto("t").values({ n: 0 }).execute();
      await gate;
      await trx.insertInto("t").values({ n: 1 }).execute();
    });
    await new Promise((resolve) => setImmediate(resolve));
    const queued = [2, 3, 4, 5].map((n) => db.insertInto("t").values({ n }).execute());
    const seenDuring = db.selectFrom("t").select("n").execute();
    release();
    await Promise.all([tx, ...queued]);
    assert.deepEqual(
      (await seenDuring).map((r) => r.n),
      [0, 1, 2, 3, 4, 5],
      "the read queued after the inserts sees the whole transaction and them",
    );
    const rows = await db.selectFrom("t").select("n").orderBy(sql`rowid`).execute();
    assert.deepEqual(
      rows.map((r) => r.n),
      [0, 1, 2, 3, 4, 5],
    );
    await db.destroy();
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
