/**
 * What one source of a multi-source job does after a failed read (docs/downloads.md
 * "Sources"), as a pure function: the attempt goes on with the other sources while this
 * one backs off, or stops using it, or ends (then the job's own retry policy,
 * retry/after-failure.ts, decides). A job with one source behaves exactly as before:
 * its first failure ends the attempt.
 */
import type { DownloadError } from "../errors.js";
import { computeBackoff, type BackoffOptions } from "./backoff.js";

/** Failures in a row after which a source is not asked again in this attempt. @default 6 */
export const MAX_SOURCE_FAILURES = 6;

/** Input of {@link decideSourceFailure}. */
export interface SourceFailureInput {
  readonly error: DownloadError;
  /** Failures in a row of this source, this one included. */
  readonly failures: number;
  /** Other sources not banned nor dropped (backing off counts: it comes back). */
  readonly othersUsable: number;
  readonly backoff: Pick<BackoffOptions, "baseMs" | "capMs" | "maxHintMs">;
  /** Random in [0, 1) for the jitter. */
  readonly random: () => number;
  /** Failures in a row before the source is dropped. @default MAX_SOURCE_FAILURES */
  readonly maxFailures?: number;
}

/** The decision. */
export type SourceFailureDecision =
  /** End the attempt with this error: it is local (disk, cancel, pause) or no other source is left. */
  | { readonly kind: "end-attempt" }
  /** Stop using this source in this attempt (it refused for good, lost the content, or failed too often). */
  | { readonly kind: "drop"; readonly reason: string }
  /** Ask it again after `delayMs`; the other sources go on meanwhile. */
  | { readonly kind: "backoff"; readonly delayMs: number };

/** Decides. */
export function decideSourceFailure(input: SourceFailureInput): SourceFailureDecision {
  const { error } = input;
  if (error.action === "cancel" || error.action === "pause") return { kind: "end-attempt" };
  if (input.othersUsable <= 0) return { kind: "end-attempt" };
  if (error.action === "fail" || error.action === "restart") return { kind: "drop", reason: error.message };
  if (input.failures >= (input.maxFailures ?? MAX_SOURCE_FAILURES))
    return { kind: "drop", reason: `${input.failures} failures in a row; last: ${error.message}` };
  const computed = computeBackoff(input.failures, input.backoff, input.random);
  const hint = error.retryAfterMs;
  const delayMs = hint !== undefined ? Math.min(Math.max(hint, 0), input.backoff.maxHintMs) : computed;
  return { kind: "backoff", delayMs };
}
