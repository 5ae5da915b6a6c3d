import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { cpuSecondsPerGiB, median, meetsGoal, mibPerSecond, ratio, spread } from "../../bench/stats.js";

describe("median", () => {
  const cases: Array<[string, number[], number]> = [
    ["empty list is NaN", [], Number.NaN],
    ["only non-finite values is NaN", [Number.NaN, Infinity], Number.NaN],
    ["one value", [5], 5],
    ["odd count, unsorted input", [9, 1, 5], 5],
    ["even count averages the middle two", [4, 1, 3, 2], 2.5],
    ["ignores NaN samples", [1, Number.NaN, 3, 2], 2],
    ["duplicates", [7, 7, 7, 1], 7],
  ];
  for (const [name, input, want] of cases) {
    it(name, () => assert.deepEqual(median(input), want));
  }
  it("does not reorder its input", () => {
    const input = [3, 1, 2];
    median(input);
    assert.deepEqual(input, [3, 1, 2]);
  });
});

describe("spread", () => {
  it("summarises finite values", () => {
    assert.deepEqual(spread([3, 9, Number.NaN, 1]), { median: 3, min: 1, max: 9, count: 3 });
  });
  it("is all NaN with a zero count when nothing is finite", () => {
    const s = spread([]);
    assert.equal(s.count, 0);
    assert.ok(Number.isNaN(s.median) && Number.isNaN(s.min) && Number.isNaN(s.max));
  });
});

describe("ratio", () => {
  const cases: Array<[string, number, number, number]> = [
    ["plain", 90, 100, 0.9],
    ["zero base is NaN", 1, 0, Number.NaN],
    ["negative base is NaN", 1, -1, Number.NaN],
    ["NaN value is NaN", Number.NaN, 1, Number.NaN],
    ["negative value is NaN", -1, 1, Number.NaN],
    ["zero value is 0", 0, 5, 0],
  ];
  for (const [name, v, b, want] of cases) it(name, () => assert.deepEqual(ratio(v, b), want));
});

describe("unit helpers", () => {
  it("MiB/s", () => assert.equal(mibPerSecond(2 * 1048576, 2), 1));
  it("MiB/s of a zero-time sample is NaN", () => assert.ok(Number.isNaN(mibPerSecond(1, 0))));
  it("CPU s/GiB", () => assert.equal(cpuSecondsPerGiB(0.5, 512 * 1048576), 1));
  it("CPU s/GiB with no bytes is NaN", () => assert.ok(Number.isNaN(cpuSecondsPerGiB(1, 0))));
});

describe("meetsGoal", () => {
  const cases: Array<[string, number, ">=" | "<=", number, boolean | undefined]> = [
    ["at least, met at the threshold", 0.9, ">=", 0.9, true],
    ["at least, missed", 0.89, ">=", 0.9, false],
    ["at most, met", 63, "<=", 64, true],
    ["at most, missed", 65, "<=", 64, false],
    ["unknown value", Number.NaN, ">=", 1, undefined],
  ];
  for (const [name, value, op, threshold, want] of cases) {
    it(name, () => assert.equal(meetsGoal(value, { op, threshold }), want));
  }
});
