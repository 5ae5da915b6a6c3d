import { test } from "node:test";
import assert from "node:assert/strict";
import {
  computeBackoff,
  decideRetry,
  DEFAULT_BACKOFF,
  initialRetryState,
  seededRandom,
  type BackoffOptions,
} from "../../../client/retry/backoff.js";
import { DownloadError } from "../../../client/errors.js";

const opts: BackoffOptions = { ...DEFAULT_BACKOFF };

test("computeBackoff: full jitter bounds, table", () => {
  const cases: Array<{ name: string; attempt: number; random: number; want: number }> = [
    { name: "first attempt, top of range", attempt: 1, random: 0.999999, want: 999 },
    { name: "first attempt, zero", attempt: 1, random: 0, want: 0 },
    { name: "second attempt doubles", attempt: 2, random: 0.5, want: 1000 },
    { name: "fifth attempt", attempt: 5, random: 0.5, want: 8000 },
    { name: "capped at 30 min", attempt: 13, random: 0.5, want: 900_000 },
    { name: "huge attempt never overflows", attempt: 5000, random: 0.5, want: 900_000 },
    { name: "attempt 0 treated as 1", attempt: 0, random: 0.5, want: 500 },
  ];
  for (const c of cases) {
    assert.equal(
      computeBackoff(c.attempt, opts, () => c.random),
      c.want,
      c.name,
    );
  }
});

test("computeBackoff with a seeded random stays in [0, min(cap, base*2^(n-1)))", () => {
  const random = seededRandom(42);
  for (let n = 1; n <= 20; n++) {
    const d = computeBackoff(n, opts, random);
    assert.ok(d >= 0 && d < Math.min(opts.capMs, opts.baseMs * 2 ** (n - 1)), `attempt ${n}: ${d}`);
  }
  // Same seed, same sequence.
  const a = seededRandom(7);
  const b = seededRandom(7);
  assert.deepEqual([a(), a(), a()], [b(), b(), b()]);
});

const transient = new DownloadError("unavailable", "x");
const permanent = new DownloadError("not-found", "x");
const internal = new DownloadError("internal", "x");

test("decideRetry: 13 attempts without progress, then fail", () => {
  let state = initialRetryState(0);
  const random = seededRandom(1);
  let retries = 0;
  for (;;) {
    const d = decideRetry(state, transient, false, 0, opts, random);
    state = d.state;
    if (!d.retry) {
      assert.equal(d.reason, "attempts");
      break;
    }
    retries++;
  }
  assert.equal(retries, 12, "12 retries = 13 attempts in all");
});

test("decideRetry: progress resets the budget (a flaky link that keeps delivering finishes)", () => {
  let state = initialRetryState(0);
  const random = seededRandom(2);
  for (let i = 0; i < 100; i++) {
    const d = decideRetry(state, transient, true, 0, opts, random);
    assert.equal(d.retry, true, `attempt ${i}`);
    assert.equal(d.state.failures, 1);
    state = d.state;
  }
});

test("decideRetry: permanent errors are not retried", () => {
  const d = decideRetry(initialRetryState(0), permanent, false, 0, opts, Math.random);
  assert.equal(d.retry, false);
  assert.equal(d.retry === false && d.reason, "permanent");
  const c = decideRetry(initialRetryState(0), new DownloadError("cancelled", "x"), false, 0, opts, Math.random);
  assert.equal(c.retry, false, "cancellation is never retried");
});

test("decideRetry: INTERNAL only a few times in a row", () => {
  let state = initialRetryState(0);
  const results: boolean[] = [];
  for (let i = 0; i < 5; i++) {
    const d = decideRetry(state, internal, false, 0, opts, () => 0);
    results.push(d.retry);
    state = d.state;
  }
  assert.deepEqual(results, [true, true, true, false, false]);
});

test("decideRetry: a server hint wins over the computed delay, capped", () => {
  const hinted = new DownloadError("http-transient", "x", { retryAfterMs: 4000 });
  const d = decideRetry(initialRetryState(0), hinted, false, 0, opts, () => 0);
  assert.deepEqual([d.retry, d.retry && d.delayMs, d.retry && d.hinted], [true, 4000, true]);
  const huge = new DownloadError("http-transient", "x", { retryAfterMs: 10 * 3600_000 });
  const h = decideRetry(initialRetryState(0), huge, false, 0, opts, () => 0);
  assert.equal(h.retry && h.delayMs, opts.maxHintMs);
  const small = decideRetry(initialRetryState(0), hinted, false, 0, { ...opts, capMs: 5 }, () => 0);
  assert.equal(small.retry && small.delayMs, 4000, "a small backoff cap does not cut a server's hint");
});

test("decideRetry: the deadline stops retries whose delay would pass it (fake clock)", () => {
  const withDeadline = { ...opts, deadlineMs: 10_000 };
  const start = initialRetryState(1_000_000);
  const ok = decideRetry(start, transient, false, 1_000_000 + 5000, withDeadline, () => 0.9);
  assert.equal(ok.retry, true, "900 ms delay fits");
  const late = decideRetry(start, transient, false, 1_000_000 + 9500, withDeadline, () => 0.9);
  assert.equal(late.retry, false);
  assert.equal(late.retry === false && late.reason, "deadline");
});
