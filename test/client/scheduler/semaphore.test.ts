import { test } from "node:test";
import assert from "node:assert/strict";
import { createSemaphore } from "../../../client/scheduler/semaphore.js";
import { createLimiter } from "../../../client/scheduler/limiter.js";

const tick = () => new Promise((r) => setImmediate(r));

test("semaphore: rejects a bad permit count", () => {
  for (const bad of [0, -1, 1.5, Number.NaN]) assert.throws(() => createSemaphore(bad), RangeError);
});

test("semaphore: FIFO with direct hand-off, no queue jumping", async () => {
  const sem = createSemaphore(1);
  const order: string[] = [];
  const first = await sem.acquire();
  const a = sem.acquire().then((r) => {
    order.push("a");
    return r;
  });
  const b = sem.acquire().then((r) => {
    order.push("b");
    return r;
  });
  assert.equal(sem.waiting, 2);
  first();
  // The permit went straight to "a": a newcomer cannot take it.
  assert.equal(sem.available, 0);
  const c = sem.acquire().then((r) => {
    order.push("c");
    return r;
  });
  (await a)();
  (await b)();
  (await c)();
  assert.deepEqual(order, ["a", "b", "c"]);
  assert.equal(sem.available, 1);
});

test("semaphore: a cancelled waiter leaves the queue and never consumes a permit", async () => {
  const sem = createSemaphore(1);
  const held = await sem.acquire();
  const ctl = new AbortController();
  const cancelled = sem.acquire(ctl.signal);
  const next = sem.acquire();
  ctl.abort(new Error("user cancelled"));
  await assert.rejects(cancelled, /user cancelled/);
  assert.equal(sem.waiting, 1);
  held();
  const release = await next;
  assert.equal(sem.available, 0);
  release();
  release(); // idempotent
  assert.equal(sem.available, 1);
});

test("semaphore: an already-aborted signal rejects at once, no permit taken", async () => {
  const sem = createSemaphore(2);
  await assert.rejects(sem.acquire(AbortSignal.abort(new Error("gone"))), /gone/);
  assert.equal(sem.available, 2);
});

test("semaphore: aborting after the hand-off does not lose the permit", async () => {
  const sem = createSemaphore(1);
  const held = await sem.acquire();
  const ctl = new AbortController();
  const waiter = sem.acquire(ctl.signal);
  held();
  ctl.abort();
  const release = await waiter;
  release();
  assert.equal(sem.available, 1);
});

test("limiter: global 3 and per-peer 2; a peer's waiters never hold a global slot", async () => {
  const limiter = createLimiter({ global: 3, perPeer: 2 });
  const slow1 = await limiter.acquire("slow");
  const slow2 = await limiter.acquire("slow");
  let slow3Got = false;
  const slow3 = limiter.acquire("slow").then((r) => {
    slow3Got = true;
    return r;
  });
  await tick();
  assert.equal(slow3Got, false, "third job of one peer waits");
  assert.equal(limiter.global.available, 1, "and holds no global slot");
  const fast1 = await limiter.acquire("fast");
  let fast2Got = false;
  const fast2 = limiter.acquire("fast").then((r) => {
    fast2Got = true;
    return r;
  });
  await tick();
  assert.equal(fast2Got, false, "global limit 3 reached");
  slow1();
  const r3 = await Promise.race([slow3, fast2]);
  await tick();
  // slow1's global slot goes to the oldest global waiter: fast2 (slow3 was waiting on its peer slot, then on global).
  assert.ok(slow3Got || fast2Got);
  r3();
  slow2();
  fast1();
  (await slow3)();
  (await fast2)();
  assert.equal(limiter.global.available, 3);
});

test("limiter: cancelling while waiting for the global slot gives the peer slot back", async () => {
  const limiter = createLimiter({ global: 1, perPeer: 1 });
  const a = await limiter.acquire("p1");
  const ctl = new AbortController();
  const b = limiter.acquire("p2", ctl.signal);
  ctl.abort(new Error("stop"));
  await assert.rejects(b, /stop/);
  a();
  const c = await limiter.acquire("p2");
  c();
  assert.equal(limiter.global.available, 1);
});

test("tryAcquire takes a free permit at once and never queues", async () => {
  const sem = createSemaphore(1);
  const r1 = sem.tryAcquire();
  assert.ok(r1 !== undefined);
  assert.equal(sem.tryAcquire(), undefined, "none free");
  const waiting = sem.acquire();
  r1();
  const r2 = await waiting;
  assert.equal(sem.tryAcquire(), undefined, "a queued waiter got the released permit first");
  r2();
  assert.ok(sem.tryAcquire() !== undefined);
});

test("limiter.tryAcquirePeer counts against the peer's limit only", async () => {
  const limiter = createLimiter({ global: 1, perPeer: 2 });
  const job = await limiter.acquire("http://a");
  const extra = limiter.tryAcquirePeer("http://a");
  assert.ok(extra !== undefined, "the second per-peer slot, while the only global slot is taken");
  assert.equal(limiter.tryAcquirePeer("http://a"), undefined, "the peer is at its limit");
  assert.ok(limiter.tryAcquirePeer("http://b") !== undefined, "another peer has its own limit");
  extra();
  job();
});

test("limiter: a folder's files share one global and per-peer slot, folderFiles of them at once", async () => {
  const limiter = createLimiter({ global: 1, perPeer: 1, folderFiles: 3 });
  const files = await Promise.all([0, 1, 2].map(() => limiter.acquireInFolder("F", "peer")));
  assert.equal(limiter.global.available, 0, "the folder holds the one global slot");
  let fourth = false;
  const file4 = limiter.acquireInFolder("F", "peer").then((r) => {
    fourth = true;
    return r;
  });
  let other = false;
  const job = limiter.acquire("peer").then((r) => {
    other = true;
    return r;
  });
  await tick();
  assert.equal(fourth, false, "a fourth file waits for one of the three");
  assert.equal(other, false, "another job waits for the folder's slot");
  files[0]?.();
  const r4 = await file4;
  assert.equal(other, false, "the folder keeps its slot while a file runs");
  for (const r of [files[1], files[2], r4]) r?.();
  (await job)();
  assert.equal(limiter.global.available, 1);
});

test("limiter: a folder file cancelled while waiting for the folder's slot leaves nothing held", async () => {
  const limiter = createLimiter({ global: 1, perPeer: 1 });
  const holder = await limiter.acquire("peer");
  const ctl = new AbortController();
  const waiting = limiter.acquireInFolder("F", "peer", ctl.signal);
  await tick();
  ctl.abort(new Error("cancelled"));
  await assert.rejects(waiting, /cancelled/);
  holder();
  await tick();
  assert.equal(limiter.global.available, 1, "the abandoned folder slot was not taken");
  const again = await limiter.acquireInFolder("F", "peer");
  assert.equal(limiter.global.available, 0);
  again();
  await tick();
  assert.equal(limiter.global.available, 1);
});
