import { test } from "node:test";
import assert from "node:assert/strict";
import { createSyncGroup } from "../../../common/files/sync-group.js";

/** A fake fsync whose runs the test ends by hand: no clock involved. */
function fakeSync() {
  const runs: Array<{ key: string; end: (error?: Error) => void }> = [];
  const syncOne = (key: string) =>
    new Promise<void>((resolve, reject) => {
      runs.push({ key, end: (error) => (error === undefined ? resolve() : reject(error)) });
    });
  return { runs, syncOne };
}

const tick = () => new Promise((r) => setImmediate(r));

test("sync group: a caller never shares an fsync that started before it asked", async () => {
  const { runs, syncOne } = fakeSync();
  const group = createSyncGroup(syncOne);
  const ended: string[] = [];
  const first = group.sync("/d").then(() => ended.push("first"));
  assert.equal(runs.length, 1, "the first caller starts an fsync at once");
  // Arrive while it runs: they need the next one, which they share.
  const second = group.sync("/d").then(() => ended.push("second"));
  const third = group.sync("/d").then(() => ended.push("third"));
  assert.equal(runs.length, 1, "no second fsync while one runs");
  runs[0]?.end();
  await first;
  await tick();
  assert.deepEqual(ended, ["first"], "the callers who came later are not served by the first fsync");
  assert.equal(runs.length, 2, "the next fsync starts when the first ends");
  runs[1]?.end();
  await Promise.all([second, third]);
  assert.deepEqual(ended, ["first", "second", "third"]);
  assert.equal(runs.length, 2, "three callers, two fsyncs");
});

test("sync group: keys are independent; an idle key starts at once", async () => {
  const { runs, syncOne } = fakeSync();
  const group = createSyncGroup(syncOne);
  const a = group.sync("/a");
  const b = group.sync("/b");
  assert.deepEqual(
    runs.map((r) => r.key),
    ["/a", "/b"],
  );
  for (const r of runs) r.end();
  await Promise.all([a, b]);
  const again = group.sync("/a");
  assert.equal(runs.length, 3, "after the fsyncs ended, a new caller starts its own");
  runs[2]?.end();
  await again;
});

test("sync group: a failed fsync fails the callers it served, and the next ones still get theirs", async () => {
  const { runs, syncOne } = fakeSync();
  const group = createSyncGroup(syncOne);
  const first = group.sync("/d");
  const waiting = group.sync("/d");
  runs[0]?.end(new Error("EIO"));
  await assert.rejects(first, /EIO/);
  await tick();
  assert.equal(runs.length, 2, "the waiting caller gets an fsync of its own after the failure");
  runs[1]?.end();
  await waiting;
});
