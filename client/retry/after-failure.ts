/**
 * What a job does after a failed attempt, as one pure function (docs/downloads.md
 * "Retries"): cancel, pause, restart from 0, fail, or retry after a delay. The job
 * (client/job/download-job.ts) only carries the decision out. Tested with a table in
 * test/client/retry/after-failure.test.ts.
 */
import { DownloadError } from "../errors.js";
import { decideRetry, type BackoffOptions, type RetryState } from "./backoff.js";

/** Counters a job keeps across its attempts in this run. */
export interface FailureCounters {
  /** Restarts from 0 (stored in the row). */
  readonly restarts: number;
  /** Attempts that ended with bytes that did not match the peer's hashes (whole file or pieces). */
  readonly digestMismatches: number;
  /** The backoff state. */
  readonly retry: RetryState;
}

/** Limits of {@link decideAfterFailure}. */
export interface FailureLimits {
  /** Restarts before the job fails. */
  readonly maxRestarts: number;
  /** Digest (or piece) mismatch attempts before the job fails. */
  readonly maxDigestMismatches: number;
  readonly backoff: BackoffOptions;
}

/** The decision. */
export type FailureDecision =
  /** Stop: the user cancelled, the process shuts down, or another worker took the lease (`lost`). */
  | { readonly kind: "cancel"; readonly error: DownloadError; readonly lost: boolean }
  /** Pause (disk full, or the user's pause, whose row is already written: `byUser`). */
  | { readonly kind: "pause"; readonly error: DownloadError; readonly byUser: boolean }
  /** Discard the part and start again (restart number `restarts`); `forgetValidators` when the file changed. */
  | {
      readonly kind: "restart";
      readonly error: DownloadError;
      readonly forgetValidators: boolean;
      readonly restarts: number;
    }
  /** Fail the job with `error`. */
  | { readonly kind: "fail"; readonly error: DownloadError }
  /** Try again after `delayMs`. */
  | { readonly kind: "retry"; readonly error: DownloadError; readonly delayMs: number };

/** Input of {@link decideAfterFailure}. */
export interface FailureInput {
  readonly error: DownloadError;
  readonly counters: FailureCounters;
  /** True when the attempt wrote at least one byte (resets the retry budget). */
  readonly progressed: boolean;
  readonly nowMs: number;
  readonly limits: FailureLimits;
  /** Random in [0, 1) for the jitter. */
  readonly random: () => number;
}

/** Decides, and returns the counters to keep for the next attempt. */
export function decideAfterFailure(input: FailureInput): { decision: FailureDecision; counters: FailureCounters } {
  const { error, counters, limits } = input;
  switch (error.action) {
    case "cancel":
      return { decision: { kind: "cancel", error, lost: error.code === "lease-lost" }, counters };
    case "pause":
      return { decision: { kind: "pause", error, byUser: error.code === "paused-by-user" }, counters };
    case "fail":
      return { decision: { kind: "fail", error }, counters };
    case "restart":
      return decideRestart(error, counters, limits);
    case "retry":
      return decideRetryAfter(input);
  }
}

function decideRestart(error: DownloadError, counters: FailureCounters, limits: FailureLimits) {
  const mismatch = error.code === "digest-mismatch";
  const next: FailureCounters = {
    ...counters,
    restarts: counters.restarts + 1,
    digestMismatches: counters.digestMismatches + (mismatch ? 1 : 0),
  };
  if (mismatch && next.digestMismatches >= limits.maxDigestMismatches) {
    const e = new DownloadError(
      "digest-mismatch-repeated",
      `the SHA-256 did not match ${next.digestMismatches} times; no file was put in place`,
      { cause: error },
    );
    return { decision: { kind: "fail", error: e } as const, counters: next };
  }
  if (next.restarts > limits.maxRestarts) {
    const e = new DownloadError("changed-too-often", `the file changed ${next.restarts} times during the download`, {
      cause: error,
    });
    return { decision: { kind: "fail", error: e } as const, counters: next };
  }
  // A changed file: forget the old validators and learn the new ones from the next read.
  // A digest mismatch: same validators, the bytes were bad; read them again.
  const decision = {
    kind: "restart",
    error,
    forgetValidators: error.code === "changed",
    restarts: next.restarts,
  } as const;
  return { decision, counters: next };
}

function decideRetryAfter(input: FailureInput) {
  const { error, limits } = input;
  let counters = input.counters;
  // Pieces that failed their hash again and again: the source keeps sending wrong bytes.
  // Counted like whole-file mismatches, but the verified pieces stay (no restart from 0).
  if (error.code === "bad-pieces") {
    const digestMismatches = counters.digestMismatches + 1;
    if (digestMismatches >= limits.maxDigestMismatches) {
      const e = new DownloadError(
        "digest-mismatch-repeated",
        `pieces failed their hash in ${digestMismatches} attempts; no file was put in place`,
        { cause: error },
      );
      return { decision: { kind: "fail", error: e } as const, counters: { ...counters, digestMismatches } };
    }
    counters = { ...counters, digestMismatches };
  }
  const r = decideRetry(counters.retry, error, input.progressed, input.nowMs, limits.backoff, input.random);
  const next = { ...counters, retry: r.state };
  if (r.retry) return { decision: { kind: "retry", error, delayMs: r.delayMs } as const, counters: next };
  const e =
    r.reason === "deadline"
      ? new DownloadError("deadline", `the job's deadline passed; last error: ${error.message}`, { cause: error })
      : new DownloadError(
          "retries-exhausted",
          `gave up after ${r.state.failures} attempts without progress; last error: ${error.message}`,
          { cause: error },
        );
  return { decision: { kind: "fail", error: e } as const, counters: next };
}

/**
 * The error an attempt ended with: the abort reason we set (cancel, pause, lease lost,
 * idle timeout) wins; a CANCELED we did not ask for is the transport closing the stream
 * (an HTTP/2 RST_STREAM CANCEL after a dropped connection), a network fault.
 */
export function attemptError(classified: DownloadError, abortReason: unknown): DownloadError {
  if (abortReason instanceof DownloadError) return abortReason;
  if (classified.action === "cancel" && abortReason === undefined) {
    return new DownloadError("network", `the connection was closed: ${classified.message}`, { cause: classified });
  }
  return classified;
}
