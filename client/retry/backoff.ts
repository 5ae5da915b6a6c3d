/**
 * The retry policy as data plus pure functions (pure decisions with table tests,
 * CONTRIBUTING.md "Layout rules"; got's calculate-retry-delay, p-retry): full-jitter exponential backoff
 * (AWS Architecture Blog, "Exponential Backoff And Jitter"), a budget of
 * attempts that resets whenever an attempt made progress, an optional
 * deadline, and server hints that win over the computed delay, capped.
 */
import type { DownloadError } from "../errors.js";

/** Retry policy options. */
export interface BackoffOptions {
  /** First delay's upper bound in ms. @default 1000 */
  baseMs: number;
  /** Largest computed delay in ms. @default 1_800_000 (30 min) */
  capMs: number;
  /** Largest server hint (Retry-After, retry-after-ms) obeyed, in ms. @default 1_800_000 (30 min) */
  maxHintMs: number;
  /** Failed attempts in a row without progress before the job fails. @default 13 */
  maxAttempts: number;
  /** INTERNAL/UNKNOWN answers tolerated in a row (they are retried "a few times"). @default 3 */
  maxInternalErrors: number;
  /** Overall time budget per job in ms from its first attempt in this run; none when undefined. */
  deadlineMs?: number | undefined;
}

/** Defaults like jack's engine: 1 s base, 30 min cap, 13 attempts. */
export const DEFAULT_BACKOFF: Readonly<BackoffOptions> = Object.freeze({
  baseMs: 1000,
  capMs: 30 * 60 * 1000,
  maxHintMs: 30 * 60 * 1000,
  maxAttempts: 13,
  maxInternalErrors: 3,
});

/**
 * Full jitter: random(0, min(cap, base · 2^(attempt−1))).
 * @param attempt 1 for the first failure
 * @param random a function returning [0, 1)
 */
export function computeBackoff(
  attempt: number,
  options: Pick<BackoffOptions, "baseMs" | "capMs">,
  random: () => number,
): number {
  const n = Math.max(1, Math.floor(attempt));
  // 2^(n-1) overflows to Infinity for large n; min() then picks the cap.
  const ceiling = Math.min(options.capMs, options.baseMs * 2 ** (n - 1));
  return Math.floor(random() * ceiling);
}

/** What a job's retry loop remembers between attempts. */
export interface RetryState {
  /** Failed attempts since the last attempt that made progress. */
  readonly failures: number;
  /** INTERNAL/UNKNOWN failures in a row. */
  readonly internalErrors: number;
  /** When the job's first attempt in this run started (ms). */
  readonly startedAtMs: number;
}

/** A fresh state. */
export function initialRetryState(nowMs: number): RetryState {
  return { failures: 0, internalErrors: 0, startedAtMs: nowMs };
}

/** The decision after a failed attempt. */
export type RetryDecision =
  | { readonly retry: true; readonly delayMs: number; readonly state: RetryState; readonly hinted: boolean }
  | {
      readonly retry: false;
      readonly reason: "permanent" | "attempts" | "internal" | "deadline";
      readonly state: RetryState;
    };

/**
 * Decides whether to retry after `error`.
 * @param progressed true when the failed attempt wrote at least one byte (resets the budget)
 */
export function decideRetry(
  state: RetryState,
  error: Pick<DownloadError, "retryable" | "code" | "retryAfterMs">,
  progressed: boolean,
  nowMs: number,
  options: BackoffOptions,
  random: () => number,
): RetryDecision {
  const base = progressed ? { ...state, failures: 0, internalErrors: 0 } : state;
  const next: RetryState = {
    ...base,
    failures: base.failures + 1,
    internalErrors: error.code === "internal" ? base.internalErrors + 1 : 0,
  };
  if (!error.retryable) return { retry: false, reason: "permanent", state: next };
  if (next.failures >= options.maxAttempts) return { retry: false, reason: "attempts", state: next };
  if (next.internalErrors > options.maxInternalErrors) return { retry: false, reason: "internal", state: next };
  const hinted = error.retryAfterMs !== undefined;
  const delayMs = hinted
    ? Math.min(options.maxHintMs, error.retryAfterMs ?? 0)
    : computeBackoff(next.failures, options, random);
  if (options.deadlineMs !== undefined && nowMs + delayMs - next.startedAtMs > options.deadlineMs) {
    return { retry: false, reason: "deadline", state: next };
  }
  return { retry: true, delayMs, state: next, hinted };
}

/** A deterministic random for tests: mulberry32 seeded PRNG, returns [0, 1). */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
