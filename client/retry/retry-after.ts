/**
 * Server retry hints: HTTP `Retry-After` (RFC 9110 §10.2.3: delay-seconds or
 * an HTTP-date) and the RPC `retry-after-ms` trailer (docs/protocol.md). Both are
 * parsed here and capped by the retry policy, never trusted unbounded.
 */

/**
 * Parses a `Retry-After` value into milliseconds from `nowMs`.
 * Returns `undefined` for garbage; a date in the past gives 0.
 */
export function parseRetryAfter(value: string, nowMs: number): number | undefined {
  const v = value.trim();
  if (/^\d+$/.test(v)) {
    const seconds = Number(v);
    return Number.isSafeInteger(seconds) ? seconds * 1000 : undefined;
  }
  // HTTP-date: IMF-fixdate, or the obsolete RFC 850 / asctime forms (all contain letters).
  if (!/[A-Za-z]/.test(v) || v.length > 64) return undefined;
  const at = Date.parse(v);
  if (Number.isNaN(at)) return undefined;
  return Math.max(0, at - nowMs);
}

/** Parses the `retry-after-ms` trailer (a non-negative integer of milliseconds). */
export function parseRetryAfterMs(value: string): number | undefined {
  const v = value.trim();
  if (!/^\d{1,15}$/.test(v)) return undefined;
  return Number(v);
}
