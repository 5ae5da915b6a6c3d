import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { MAX_DURATION_MS, parseDuration, parseExpiry, parseExpiryOption } from "../../cli/duration.js";

const S = 1000;
const M = 60 * S;
const H = 60 * M;
const D = 24 * H;

describe("parseDuration", () => {
  const rejected: Array<[string, string, RegExp]> = [
    ["empty", "", /not a duration/],
    ["number without unit", "30", /not a duration/],
    ["unit without number", "d", /not a duration/],
    ["unknown unit", "3y", /not a duration/],
    ["upper-case unit", "30D", /not a duration/],
    ["negative", "-1d", /not a duration/],
    ["fraction", "1.5h", /not a duration/],
    ["space inside", "1d 2h", /not a duration/],
    ["zero", "0d", /zero/],
    ["zero sum", "0h0m", /zero/],
    ["too long", "36501d", /too long/],
    ["huge digit string", `${"9".repeat(400)}s`, /too long/],
    ["injection-looking", "1d;rm", /not a duration/],
  ];
  for (const [name, input, error] of rejected) {
    test(`rejects ${name}: ${JSON.stringify(input.slice(0, 20))}`, () => {
      const result = parseDuration(input);
      assert.equal(result.ok, false);
      if (!result.ok) assert.match(result.error, error);
    });
  }

  const accepted: Array<[string, number]> = [
    ["45s", 45 * S],
    ["90m", 90 * M],
    ["12h", 12 * H],
    ["30d", 30 * D],
    ["2w", 14 * D],
    ["1d12h", D + 12 * H],
    ["1h30m15s", H + 30 * M + 15 * S],
    [" 7d ", 7 * D],
    ["36500d", MAX_DURATION_MS],
  ];
  for (const [input, expected] of accepted) {
    test(`${JSON.stringify(input)} → ${expected} ms`, () => {
      assert.deepEqual(parseDuration(input), { ok: true, value: expected });
    });
  }
});

describe("parseExpiry", () => {
  const now = Date.UTC(2030, 5, 15, 12, 0, 0);
  const accepted: Array<[string, string]> = [
    ["30d", "2030-07-15T12:00:00.000Z"],
    ["90m", "2030-06-15T13:30:00.000Z"],
    ["2031-01-31", "2031-01-31T00:00:00.000Z"],
    ["2030-06-15T12:00:01Z", "2030-06-15T12:00:01.000Z"],
    ["2030-06-16T10:00:00+02:00", "2030-06-16T08:00:00.000Z"],
  ];
  for (const [input, expected] of accepted) {
    test(`${input} → ${expected}`, () => {
      const result = parseExpiry(input, now);
      assert.ok(result.ok, JSON.stringify(result));
      assert.equal(result.value.toISOString(), expected);
    });
  }
  const rejected: Array<[string, RegExp]> = [
    ["2030-06-15T12:00:00Z", /past/],
    ["2020-01-01", /past/],
    ["2030-13-01", /not a valid date/],
    ["tomorrow", /neither a duration .* nor a date/],
    ["0d", /neither/],
    ["", /neither/],
  ];
  for (const [input, error] of rejected) {
    test(`rejects ${JSON.stringify(input)}`, () => {
      const result = parseExpiry(input, now);
      assert.equal(result.ok, false);
      if (!result.ok) assert.match(result.error, error);
    });
  }
});

test("parseExpiryOption: a duration counts from creation, a date stays fixed, errors are parseExpiry's", () => {
  const parsedAt = Date.parse("2030-01-01T00:00:00Z");
  const createdAt = parsedAt + 5_000; // the store opened slowly
  const cases: Array<[string, string | undefined, string | undefined]> = [
    ["1s", "2030-01-01T00:00:06.000Z", undefined],
    ["2h", "2030-01-01T02:00:05.000Z", undefined],
    ["2031-02-03", "2031-02-03T00:00:00.000Z", undefined],
    ["2029-12-31", undefined, "in the past"],
    ["soon", undefined, "neither a duration"],
  ];
  for (const [input, expected, error] of cases) {
    const r = parseExpiryOption(input, parsedAt);
    if (error !== undefined) {
      assert.ok(!r.ok && r.error.includes(error), `${input}: ${JSON.stringify(r)}`);
      continue;
    }
    assert.ok(r.ok, input);
    assert.equal(r.value(createdAt).toISOString(), expected, input);
  }
});
