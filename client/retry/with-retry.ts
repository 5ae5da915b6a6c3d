/**
 * A retry loop for one call (pure decisions apart from I/O, CONTRIBUTING.md "Layout
 * rules"; p-retry): every failure is
 * classified once, {@link decideRetry} says whether and how long to wait
 * (full jitter, the same policy as a job's attempts), and the wait obeys the
 * AbortSignal. Used for the lookup `peer get` makes before a job exists, so a
 * peer that is not up yet is a transient fault, not a failed run.
 */
import { setTimeout as sleep } from "node:timers/promises";
import { classify, DownloadError } from "../errors.js";
import { DEFAULT_BACKOFF, decideRetry, initialRetryState, type BackoffOptions } from "./backoff.js";

/** A failed attempt that will be retried. */
export interface RetryNotice {
  /** 1 for the first failure. */
  readonly attempt: number;
  /** The wait before the next attempt, in ms. */
  readonly delayMs: number;
  /** Why the attempt failed. */
  readonly error: DownloadError;
}

/** Options of {@link withRetry}. */
export interface WithRetryOptions {
  /** The retry policy. @default DEFAULT_BACKOFF (1 s base, 30 min cap, 13 attempts) */
  backoff?: Partial<BackoffOptions>;
  /** Stops the loop: an abort during a wait or an attempt rejects with a "cancelled" DownloadError. */
  signal?: AbortSignal | undefined;
  /** Called before each wait (to tell the user). */
  onRetry?: (notice: RetryNotice) => void;
  /** Clock. @default Date.now */
  now?: () => number;
  /** Random in [0, 1) for the jitter. @default Math.random */
  random?: () => number;
}

/**
 * Runs `fn` until it succeeds, a permanent error occurs, or the policy gives
 * up; rejects with the last error as a DownloadError.
 */
export async function withRetry<T>(fn: (attempt: number) => Promise<T>, options: WithRetryOptions = {}): Promise<T> {
  const now = options.now ?? Date.now;
  const random = options.random ?? Math.random;
  const policy: BackoffOptions = { ...DEFAULT_BACKOFF, ...options.backoff };
  let state = initialRetryState(now());
  for (let attempt = 1; ; attempt++) {
    throwIfAborted(options.signal);
    try {
      return await fn(attempt);
    } catch (thrown) {
      throwIfAborted(options.signal);
      const error = classify(thrown);
      const decision = decideRetry(state, error, false, now(), policy, random);
      if (!decision.retry) throw error;
      state = decision.state;
      options.onRetry?.({ attempt, delayMs: decision.delayMs, error });
      try {
        await sleep(decision.delayMs, undefined, { signal: options.signal });
      } catch {
        throwIfAborted(options.signal);
      }
    }
  }
}

function throwIfAborted(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw new DownloadError("cancelled", "stopped while waiting to retry", { cause: signal.reason });
}
