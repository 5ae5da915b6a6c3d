import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { formatHttpDate, parseHttpDate, truncateToSecond } from "../../../common/http/http-date.js";

const T = Date.UTC(1994, 10, 6, 8, 49, 37); // RFC 9110's example instant
const NOW = Date.UTC(2026, 0, 1);

// [name, input, expected ms or undefined]; hostile inputs first.
const cases: [string, string, number | undefined][] = [
  ["empty", "", undefined],
  ["garbage", "yesterday", undefined],
  ["a number", "784111777", undefined],
  ["ISO 8601", "1994-11-06T08:49:37Z", undefined],
  ["lower-case month", "Sun, 06 Nov 1994 08:49:37 gmt", undefined],
  ["wrong zone", "Sun, 06 Nov 1994 08:49:37 UTC", undefined],
  ["one-digit day in IMF-fixdate", "Sun, 6 Nov 1994 08:49:37 GMT", undefined],
  ["Feb 30 does not roll over", "Mon, 30 Feb 2026 00:00:00 GMT", undefined],
  ["hour 24", "Sun, 06 Nov 1994 24:00:00 GMT", undefined],
  ["minute 60", "Sun, 06 Nov 1994 08:60:00 GMT", undefined],
  ["unknown month", "Sun, 06 Foo 1994 08:49:37 GMT", undefined],
  ["day 00", "Sun, 00 Nov 1994 08:49:37 GMT", undefined],
  ["two dates joined by a comma", "Sun, 06 Nov 1994 08:49:37 GMT, Sun, 06 Nov 1994 08:49:37 GMT", undefined],
  ["very long", "Sun, 06 Nov 1994 08:49:37 GMT" + " ".repeat(100) + "x", undefined],
  ["trailing text", "Sun, 06 Nov 1994 08:49:37 GMT x", undefined],
  ["IMF-fixdate", "Sun, 06 Nov 1994 08:49:37 GMT", T],
  ["IMF-fixdate with surrounding spaces", "  Sun, 06 Nov 1994 08:49:37 GMT ", T],
  ["RFC 850", "Sunday, 06-Nov-94 08:49:37 GMT", T],
  ["asctime", "Sun Nov  6 08:49:37 1994", T],
  ["asctime with a two-digit day", "Sun Nov 16 08:49:37 1994", Date.UTC(1994, 10, 16, 8, 49, 37)],
  ["leap second reads as :59", "Wed, 31 Dec 2008 23:59:60 GMT", Date.UTC(2008, 11, 31, 23, 59, 59)],
  ["RFC 850 two-digit year in this century", "Thursday, 01-Jan-26 00:00:00 GMT", Date.UTC(2026, 0, 1)],
  ["RFC 850 year more than 50 years ahead is last century", "Friday, 01-Jan-99 00:00:00 GMT", Date.UTC(1999, 0, 1)],
  [
    "a year below 100 is not mapped to 19xx",
    "Sat, 01 Jan 0050 00:00:00 GMT",
    new Date("0050-01-01T00:00:00Z").getTime(),
  ],
];

describe("parseHttpDate", () => {
  for (const [name, input, expected] of cases) {
    test(name, () => assert.equal(parseHttpDate(input, NOW), expected));
  }
});

describe("formatHttpDate", () => {
  test("IMF-fixdate, truncated to the second", () => {
    assert.equal(formatHttpDate(T + 999), "Sun, 06 Nov 1994 08:49:37 GMT");
    assert.equal(formatHttpDate(new Date(Date.UTC(2026, 1, 3, 4, 5, 6))), "Tue, 03 Feb 2026 04:05:06 GMT");
  });
  test("round-trips through parseHttpDate", () => {
    for (let ms = 0; ms < 4e12; ms += 7.77e10) assert.equal(parseHttpDate(formatHttpDate(ms)), truncateToSecond(ms));
  });
});
