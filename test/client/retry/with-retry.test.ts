/** The retry loop of one call: transient faults wait with full jitter, permanent ones fail at once, abort stops the wait. */
import { test } from "node:test";
import assert from "node:assert/strict";
import { ConnectError, Code } from "@connectrpc/connect";
import { DownloadError } from "../../../client/errors.js";
import { seededRandom } from "../../../client/retry/backoff.js";
import { withRetry, type RetryNotice } from "../../../client/retry/with-retry.js";

const fast = { baseMs: 5, capMs: 20, maxAttempts: 5 };
const refused = Object.assign(new Error("connect ECONNREFUSED 127.0.0.1:9"), { code: "ECONNREFUSED" });

test("transient failures are retried until the call succeeds; each wait is announced", async () => {
  const notices: RetryNotice[] = [];
  let calls = 0;
  const value = await withRetry(
    async (attempt) => {
      calls++;
      assert.equal(attempt, calls);
      if (calls < 3) throw calls === 1 ? refused : new ConnectError("down", Code.Unavailable);
      return "ok";
    },
    { backoff: fast, random: seededRandom(1), onRetry: (n) => notices.push(n) },
  );
  assert.equal(value, "ok");
  assert.deepEqual(
    notices.map((n) => [n.attempt, n.error.code]),
    [
      [1, "network"],
      [2, "unavailable"],
    ],
  );
  for (const n of notices) assert.ok(n.delayMs >= 0 && n.delayMs < 20);
});

test("a permanent error fails at once, classified", async () => {
  let calls = 0;
  await assert.rejects(
    withRetry(
      async () => {
        calls++;
        throw new ConnectError("bad key", Code.Unauthenticated);
      },
      { backoff: fast },
    ),
    (e: unknown) => e instanceof DownloadError && e.code === "unauthenticated",
  );
  assert.equal(calls, 1);
});

test("bounded: gives up after maxAttempts with the last error", async () => {
  let calls = 0;
  await assert.rejects(
    withRetry(
      async () => {
        calls++;
        throw refused;
      },
      { backoff: fast, random: () => 0 },
    ),
    (e: unknown) => e instanceof DownloadError && e.code === "network",
  );
  assert.equal(calls, fast.maxAttempts);
});

test("a server's hint wins over the computed delay", async () => {
  const notices: RetryNotice[] = [];
  let calls = 0;
  await withRetry(
    async () => {
      if (calls++ === 0) throw new DownloadError("unavailable", "busy", { retryAfterMs: 7 });
      return 1;
    },
    { backoff: fast, onRetry: (n) => notices.push(n) },
  );
  assert.equal(notices[0]?.delayMs, 7);
});

test("an abort during the wait stops at once with 'cancelled'", async () => {
  const ctl = new AbortController();
  let calls = 0;
  const t0 = Date.now();
  await assert.rejects(
    withRetry(
      async () => {
        calls++;
        throw refused;
      },
      {
        backoff: { baseMs: 60_000, capMs: 60_000 },
        random: () => 0.99,
        signal: ctl.signal,
        onRetry: () => setImmediate(() => ctl.abort()),
      },
    ),
    (e: unknown) => e instanceof DownloadError && e.code === "cancelled",
  );
  assert.equal(calls, 1);
  assert.ok(Date.now() - t0 < 30_000, "did not sit out the minute");
});

test("an already aborted signal never calls", async () => {
  const ctl = new AbortController();
  ctl.abort();
  let calls = 0;
  await assert.rejects(
    withRetry(async () => calls++, { signal: ctl.signal }),
    (e: unknown) => e instanceof DownloadError && e.code === "cancelled",
  );
  assert.equal(calls, 0);
});
