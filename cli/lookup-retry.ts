/**
 * The lookup `peer get` makes before a job exists (Handshake + StatItem),
 * retried like any transient fault: a refused or unreachable peer waits with
 * the jobs' backoff (client/retry/with-retry.ts) and Ctrl-C stops the wait; a
 * permanent error (refused key, no such item) fails at once.
 */
import type { RetryNotice } from "../client/internal.js";
import { withRetry } from "../client/internal.js";

/** What `runDownloads` gives its enqueue step. @internal */
export interface LookupContext {
  /** Aborted by Ctrl-C / SIGTERM. */
  readonly signal: AbortSignal;
  /** Tells the user that a lookup failed and when it is tried again. */
  readonly retrying: (itemId: string, notice: RetryNotice) => void;
}

/** Runs `lookup` for `itemId` with retries; rejects with the last error (or "cancelled" after Ctrl-C). */
export function lookupWithRetry<T>(
  itemId: string,
  context: LookupContext,
  lookup: (signal: AbortSignal) => Promise<T>,
): Promise<T> {
  return withRetry(() => lookup(context.signal), {
    signal: context.signal,
    onRetry: (notice) => context.retrying(itemId, notice),
  });
}

/** The JSON line of a lookup retry: like a job's `retrying` event, with the item id instead of a job id. */
export function lookupRetryJson(itemId: string, notice: RetryNotice): Record<string, unknown> {
  return {
    type: "retrying",
    itemId,
    time: new Date().toISOString(),
    attempt: notice.attempt,
    delayMs: notice.delayMs,
    error: { code: notice.error.code, message: notice.error.message },
  };
}
