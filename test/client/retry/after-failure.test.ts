/** The failure → cancel / pause / restart / fail / retry decision, as a table (client/retry/after-failure.ts). */
import { test } from "node:test";
import assert from "node:assert/strict";
import { DownloadError, type DownloadErrorCode } from "../../../client/errors.js";
import { attemptError, decideAfterFailure, type FailureCounters } from "../../../client/retry/after-failure.js";
import { DEFAULT_BACKOFF, initialRetryState } from "../../../client/retry/backoff.js";

const limits = { maxRestarts: 3, maxDigestMismatches: 2, backoff: { ...DEFAULT_BACKOFF, maxAttempts: 4 } };
const fresh: FailureCounters = { restarts: 0, digestMismatches: 0, retry: initialRetryState(0) };

interface Case {
  name: string;
  code: DownloadErrorCode;
  counters?: Partial<FailureCounters>;
  failures?: number;
  progressed?: boolean;
  retryAfterMs?: number;
  deadlineMs?: number;
  want: string;
  /** Code of the error the job ends with, when it fails. */
  failCode?: DownloadErrorCode;
  delayMs?: number;
}

const cases: Case[] = [
  // hostile and edge inputs first
  {
    name: "retry budget exhausted without progress",
    code: "network",
    failures: 3,
    want: "fail",
    failCode: "retries-exhausted",
  },
  {
    name: "budget exhausted but this attempt progressed: reset",
    code: "network",
    failures: 3,
    progressed: true,
    want: "retry",
  },
  {
    name: "deadline passed",
    code: "unavailable",
    deadlineMs: 10,
    retryAfterMs: 60_000,
    want: "fail",
    failCode: "deadline",
  },
  {
    name: "second digest mismatch fails, no file in place",
    code: "digest-mismatch",
    counters: { digestMismatches: 1 },
    want: "fail",
    failCode: "digest-mismatch-repeated",
  },
  {
    name: "bad pieces twice fail like digest mismatches",
    code: "bad-pieces",
    counters: { digestMismatches: 1 },
    want: "fail",
    failCode: "digest-mismatch-repeated",
  },
  {
    name: "file changed more than maxRestarts",
    code: "changed",
    counters: { restarts: 3 },
    want: "fail",
    failCode: "changed-too-often",
  },
  { name: "user cancel", code: "cancelled", want: "cancel" },
  { name: "shutdown", code: "shutdown", want: "cancel" },
  { name: "lease lost to another worker", code: "lease-lost", want: "cancel:lost" },
  { name: "disk full pauses (resumable), not a retry loop", code: "disk-full", want: "pause" },
  { name: "user pause", code: "paused-by-user", want: "pause:user" },
  { name: "permanent: not found", code: "not-found", want: "fail", failCode: "not-found" },
  { name: "permanent: unauthenticated", code: "unauthenticated", want: "fail", failCode: "unauthenticated" },
  { name: "file changed: restart, forget validators", code: "changed", want: "restart:forget" },
  { name: "first digest mismatch: restart, keep validators", code: "digest-mismatch", want: "restart" },
  { name: "first bad pieces: retry (verified pieces stay)", code: "bad-pieces", want: "retry" },
  { name: "transient: retry with jittered delay", code: "short-stream", want: "retry", delayMs: 500 },
  { name: "server hint wins", code: "resource-exhausted", retryAfterMs: 1234, want: "retry", delayMs: 1234 },
  {
    name: "server hint capped",
    code: "resource-exhausted",
    retryAfterMs: 10 ** 12,
    want: "retry",
    delayMs: DEFAULT_BACKOFF.maxHintMs,
  },
  { name: "INTERNAL tolerated a few times", code: "internal", want: "retry" },
];

for (const c of cases) {
  test(`decideAfterFailure: ${c.name}`, () => {
    const error = new DownloadError(c.code, "x", { retryAfterMs: c.retryAfterMs });
    const counters = { ...fresh, ...c.counters, retry: { ...fresh.retry, failures: c.failures ?? 0 } };
    const backoff = { ...limits.backoff, deadlineMs: c.deadlineMs };
    const { decision, counters: next } = decideAfterFailure({
      error,
      counters,
      progressed: c.progressed ?? false,
      nowMs: 0,
      limits: { ...limits, backoff },
      random: () => 0.5,
    });
    const label =
      decision.kind === "cancel" && decision.lost
        ? "cancel:lost"
        : decision.kind === "pause" && decision.byUser
          ? "pause:user"
          : decision.kind === "restart" && decision.forgetValidators
            ? "restart:forget"
            : decision.kind;
    assert.equal(label, c.want);
    if (decision.kind === "fail") assert.equal(decision.error.code, c.failCode);
    if (decision.kind === "retry" && c.delayMs !== undefined) assert.equal(decision.delayMs, c.delayMs);
    if (decision.kind === "restart") assert.equal(decision.restarts, counters.restarts + 1);
    if (decision.kind === "restart") assert.equal(next.restarts, counters.restarts + 1);
  });
}

test("attemptError: our abort reason wins; a CANCELED we did not ask for is a network fault", () => {
  const ours = new DownloadError("idle-timeout", "idle");
  assert.equal(attemptError(new DownloadError("cancelled", "c"), ours), ours);
  assert.equal(attemptError(new DownloadError("cancelled", "c"), undefined).code, "network");
  assert.equal(attemptError(new DownloadError("not-found", "n"), undefined).code, "not-found");
  assert.equal(attemptError(new DownloadError("cancelled", "c"), new Error("not ours")).code, "cancelled");
});
