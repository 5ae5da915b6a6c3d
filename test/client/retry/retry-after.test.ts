import { test } from "node:test";
import assert from "node:assert/strict";
import { parseRetryAfter, parseRetryAfterMs } from "../../../client/retry/retry-after.js";

const now = Date.parse("Wed, 21 Oct 2015 07:28:00 GMT");

test("parseRetryAfter: RFC 9110 §10.2.3 table", () => {
  const cases: Array<[string, string, number | undefined]> = [
    ["delay-seconds", "120", 120_000],
    ["zero", "0", 0],
    ["whitespace around", "  5 ", 5000],
    ["IMF-fixdate in the future", "Wed, 21 Oct 2015 07:28:30 GMT", 30_000],
    ["IMF-fixdate in the past gives 0", "Wed, 21 Oct 2015 07:00:00 GMT", 0],
    ["RFC 850 date", "Wednesday, 21-Oct-15 07:29:00 GMT", 60_000],
    [
      "asctime date",
      "Wed Oct 21 07:28:10 2015",
      undefined === Date.parse("Wed Oct 21 07:28:10 2015 GMT")
        ? undefined
        : Date.parse("Wed Oct 21 07:28:10 2015") - now,
    ],
    ["negative", "-5", undefined],
    ["fraction", "1.5", undefined],
    ["garbage", "soon", undefined],
    ["empty", "", undefined],
    ["huge number is not safe", "99999999999999999999", undefined],
    ["overlong date-like string", "a".repeat(100), undefined],
  ];
  for (const [name, value, want] of cases) {
    const got = parseRetryAfter(value, now);
    if (name === "asctime date") {
      assert.ok(got === undefined || got >= 0, name);
      continue;
    }
    assert.equal(got, want, name);
  }
});

test("parseRetryAfterMs: the RPC trailer", () => {
  const cases: Array<[string, number | undefined]> = [
    ["1500", 1500],
    ["0", 0],
    [" 20 ", 20],
    ["-1", undefined],
    ["1e3", undefined],
    ["", undefined],
    ["1234567890123456", undefined],
  ];
  for (const [value, want] of cases) assert.equal(parseRetryAfterMs(value), want, JSON.stringify(value));
});
