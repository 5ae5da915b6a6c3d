import { test } from "node:test";
import assert from "node:assert/strict";
import { createStreamLimiter } from "../../../server/limits/stream-limiter.js";

test("per-key and global caps, release, idempotent release", () => {
  const limiter = createStreamLimiter({ maxPerKey: 2, maxTotal: 3, retryAfterMs: 500 });
  const a1 = limiter.acquire("a");
  const a2 = limiter.acquire("a");
  assert.ok(a1.ok && a2.ok);
  assert.deepEqual(limiter.acquire("a"), { ok: false, scope: "key", retryAfterMs: 500 });
  const b1 = limiter.acquire("b");
  assert.ok(b1.ok);
  assert.deepEqual(limiter.acquire("c"), { ok: false, scope: "server", retryAfterMs: 500 });
  // Per-key is checked first: "a" is over its own cap, whatever the server.
  assert.deepEqual(limiter.acquire("a"), { ok: false, scope: "key", retryAfterMs: 500 });
  assert.equal(limiter.active(), 3);
  assert.equal(limiter.active("a"), 2);
  a1.release();
  a1.release(); // twice: counted once
  assert.equal(limiter.active(), 2);
  assert.equal(limiter.active("a"), 1);
  const c1 = limiter.acquire("c");
  assert.ok(c1.ok);
  assert.equal(limiter.acquire("a").ok, false, "server full again");
  if (a2.ok) a2.release();
  b1.release();
  c1.release();
  assert.equal(limiter.active(), 0);
  assert.equal(limiter.active("a"), 0);
});

test("defaults and validation", () => {
  const limiter = createStreamLimiter();
  assert.equal(limiter.retryAfterMs, 1000);
  const permits = Array.from({ length: 8 }, () => limiter.acquire("k"));
  assert.ok(permits.every((p) => p.ok));
  assert.equal(limiter.acquire("k").ok, false);
  for (const bad of [{ maxPerKey: 0 }, { maxTotal: -1 }, { retryAfterMs: 1.5 }]) {
    assert.throws(() => createStreamLimiter(bad), RangeError);
  }
});
