// Durations and expiry dates as typed on the command line (`--expires 30d`).

const UNIT_MS: Readonly<Record<string, number>> = {
  s: 1_000,
  m: 60_000,
  h: 3_600_000,
  d: 86_400_000,
  w: 7 * 86_400_000,
};

/** Longest accepted duration: about 100 years. */
export const MAX_DURATION_MS = 36_500 * 86_400_000;

/** A parse result: a value, or a message saying what was wrong. */
export type Parsed<T> = { ok: true; value: T } | { ok: false; error: string };

const DURATION = /^(?:\d+[smhdw])+$/;
const PART = /(\d+)([smhdw])/g;

/**
 * Parses a duration such as `30d`, `12h`, `90m`, `45s`, `2w` or a sum such
 * as `1d12h` into milliseconds. Positive, at most {@link MAX_DURATION_MS}.
 */
export function parseDuration(text: string): Parsed<number> {
  const input = text.trim();
  if (!DURATION.test(input)) {
    return { ok: false, error: `"${text}" is not a duration; write e.g. 30d, 12h, 90m, 45s, 2w or 1d12h` };
  }
  let total = 0;
  for (const [, digits, unit] of input.matchAll(PART)) {
    // Digits are bounded by MAX_DURATION_MS below; Number() of a very long
    // digit string is Infinity, which fails that check too.
    total += Number(digits) * (UNIT_MS[unit as string] ?? Number.NaN);
  }
  if (!(total > 0)) return { ok: false, error: `"${text}" is zero; give a positive duration` };
  if (!(total <= MAX_DURATION_MS)) return { ok: false, error: `"${text}" is too long; use at most 36500d` };
  return { ok: true, value: total };
}

const ISO_DATE = /^\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d{1,3})?)?(?:Z|[+-]\d{2}:\d{2})?)?$/;

/**
 * Parses an expiry: a duration from `now` (`30d`) or an ISO 8601 date or
 * date-time (`2027-01-31`, `2027-01-31T12:00:00Z`; a date alone means
 * midnight UTC). Must lie in the future.
 */
export function parseExpiry(text: string, now: number): Parsed<Date> {
  const input = text.trim();
  if (ISO_DATE.test(input)) {
    const at = Date.parse(input.length === 10 ? `${input}T00:00:00Z` : input);
    if (!Number.isFinite(at)) return { ok: false, error: `"${text}" is not a valid date` };
    if (at <= now) return { ok: false, error: `"${text}" is in the past; give a future date or a duration like 30d` };
    return { ok: true, value: new Date(at) };
  }
  const duration = parseDuration(input);
  if (!duration.ok) {
    return {
      ok: false,
      error: `"${text}" is neither a duration (30d, 12h, 90m) nor a date (2027-01-31 or 2027-01-31T12:00:00Z)`,
    };
  }
  return { ok: true, value: new Date(now + duration.value) };
}

/**
 * `--expires` as given: checked now, resolved to a date only when the thing is created, so
 * `--expires 1s` means one second after creation however slowly the store opens (a duration
 * measured from argument parsing could already be over: seen on a loaded CI machine).
 */
export type ExpiryOption = (createdAt: number) => Date;

/** Parses `--expires` into an {@link ExpiryOption}; the same inputs and errors as {@link parseExpiry}. */
export function parseExpiryOption(text: string, now: number): Parsed<ExpiryOption> {
  const checked = parseExpiry(text, now);
  if (!checked.ok) return checked;
  const afterMs = checked.value.getTime() - now;
  const fixed = checked.value;
  return { ok: true, value: ISO_DATE.test(text.trim()) ? () => fixed : (createdAt) => new Date(createdAt + afterMs) };
}
