/**
 * HTTP-date (RFC 9110 §5.6.7): the preferred IMF-fixdate, plus the two
 * obsolete forms recipients MUST still accept (RFC 850 and asctime).
 * Anything else is "not a date": callers ignore the header field, as
 * §13.1.3/§13.1.4 require for an invalid If-Modified-Since/If-Unmodified-Since.
 */

const DAYS = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"] as const;
const MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"] as const;

// Day and month names are case-sensitive (RFC 9110 §5.6.7: "case-sensitive").
const IMF_FIXDATE = /^(Mon|Tue|Wed|Thu|Fri|Sat|Sun), (\d{2}) ([A-Z][a-z]{2}) (\d{4}) (\d{2}):(\d{2}):(\d{2}) GMT$/;
const RFC_850 =
  /^(Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday), (\d{2})-([A-Z][a-z]{2})-(\d{2}) (\d{2}):(\d{2}):(\d{2}) GMT$/;
const ASCTIME = /^(Mon|Tue|Wed|Thu|Fri|Sat|Sun) ([A-Z][a-z]{2}) ([ \d]\d) (\d{2}):(\d{2}):(\d{2}) (\d{4})$/;

/** Milliseconds since the epoch for a valid calendar date and time, else undefined. */
function toMillis(
  year: number,
  monthName: string,
  day: number,
  hour: number,
  minute: number,
  second: number,
): number | undefined {
  const month = (MONTHS as readonly string[]).indexOf(monthName);
  if (month < 0 || hour > 23 || minute > 59 || second > 60 || day < 1) return undefined;
  // A leap second (60) names the same instant as :59 for our comparisons.
  // setUTCFullYear, not Date.UTC: the latter maps years 0-99 to 1900-1999.
  const d = new Date(0);
  d.setUTCFullYear(year, month, day);
  d.setUTCHours(hour, minute, Math.min(second, 59), 0);
  // Dates roll over silently ("Feb 30" becomes March 2): refuse such dates.
  if (d.getUTCDate() !== day || d.getUTCMonth() !== month) return undefined;
  return d.getTime();
}

/**
 * Parses an HTTP-date; returns milliseconds since the epoch (a whole second),
 * or undefined for anything that is not exactly one of the three forms.
 * Surrounding whitespace is tolerated (field values are trimmed by parsers).
 * @param now clock for the RFC 850 two-digit year rule, ms since the epoch.
 * @default now Date.now()
 */
export function parseHttpDate(value: string, now: number = Date.now()): number | undefined {
  const text = value.trim();
  if (text.length > 64) return undefined;
  let m = IMF_FIXDATE.exec(text);
  if (m) return toMillis(Number(m[4]), m[3]!, Number(m[2]), Number(m[5]), Number(m[6]), Number(m[7]));
  m = RFC_850.exec(text);
  if (m) {
    // RFC 9110 §5.6.7: a two-digit year that would be more than 50 years in
    // the future means the most recent past year with those digits.
    const yy = Number(m[4]);
    const thisYear = new Date(now).getUTCFullYear();
    let year = Math.floor(thisYear / 100) * 100 + yy;
    if (year > thisYear + 50) year -= 100;
    return toMillis(year, m[3]!, Number(m[2]), Number(m[5]), Number(m[6]), Number(m[7]));
  }
  m = ASCTIME.exec(text);
  if (m) return toMillis(Number(m[7]), m[2]!, Number(m[3]!.trim()), Number(m[4]), Number(m[5]), Number(m[6]));
  return undefined;
}

/** Formats a time as an IMF-fixdate, truncated to the second (e.g. for Last-Modified). */
export function formatHttpDate(time: Date | number): string {
  const d = new Date(typeof time === "number" ? time : time.getTime());
  const pad = (n: number): string => String(n).padStart(2, "0");
  return (
    `${DAYS[d.getUTCDay()]}, ${pad(d.getUTCDate())} ${MONTHS[d.getUTCMonth()]} ${String(d.getUTCFullYear()).padStart(4, "0")} ` +
    `${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())} GMT`
  );
}

/** The time rounded down to a whole second: the precision of Last-Modified. */
export function truncateToSecond(time: Date | number): number {
  const ms = typeof time === "number" ? time : time.getTime();
  return Math.floor(ms / 1000) * 1000;
}
