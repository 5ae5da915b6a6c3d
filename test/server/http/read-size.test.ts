import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { MIN_READ_SIZE, nextReadSize, scratchSize } from "../../../server/http/read-size.js";

const KiB = 1024;
const MiB = 1024 * KiB;

describe("nextReadSize (slow start)", () => {
  const cases: [string, number, number, number][] = [
    ["nothing drained yet: the minimum", 0, 2 * MiB, 64 * KiB],
    ["a little drained: still the minimum", 100 * KiB, 2 * MiB, 64 * KiB],
    ["one eighth of what was drained", 1 * MiB, 2 * MiB, 128 * KiB],
    ["reaches the maximum after 16 MiB", 16 * MiB, 2 * MiB, 2 * MiB],
    ["never above the maximum", 1e15, 2 * MiB, 2 * MiB],
    ["a maximum below the minimum wins", 0, 1024, 1024],
    ["a maximum below the minimum wins later too", 100 * MiB, 1024, 1024],
  ];
  for (const [name, drained, max, expected] of cases)
    test(name, () => assert.equal(nextReadSize(drained, max), expected));
  test("grows monotonically from the minimum to the maximum", () => {
    let prev = 0;
    for (let drained = 0; drained < 40 * MiB; drained += 123_457) {
      const size = nextReadSize(drained, 2 * MiB);
      assert.ok(size >= prev && size >= MIN_READ_SIZE && size <= 2 * MiB);
      prev = size;
    }
  });
});

describe("scratchSize (the buffer a read goes into, in doublings)", () => {
  const cases: [string, number, number, number][] = [
    ["NaN: the minimum", Number.NaN, 2 * MiB, 64 * KiB],
    ["zero: the minimum", 0, 2 * MiB, 64 * KiB],
    ["the minimum read", 64 * KiB, 2 * MiB, 64 * KiB],
    ["a byte over: the next doubling", 64 * KiB + 1, 2 * MiB, 128 * KiB],
    ["one eighth of 1.5 MiB drained (192 KiB)", 192 * KiB, 2 * MiB, 256 * KiB],
    ["just over 1 MiB: the maximum", 1 * MiB + 1, 2 * MiB, 2 * MiB],
    ["the maximum", 2 * MiB, 2 * MiB, 2 * MiB],
    ["a maximum that is no doubling of the minimum caps it", 2 * MiB + 1, 3 * MiB, 3 * MiB],
    ["a maximum below the minimum", 1000, 1024, 1024],
    ["never below the read (a read above the maximum)", 5 * MiB, 2 * MiB, 5 * MiB],
  ];
  for (const [name, size, max, expected] of cases) test(name, () => assert.equal(scratchSize(size, max), expected));
  test("a response of 64 MiB replaces its buffer five times", () => {
    const sizes = new Set<number>();
    for (let drained = 0; drained < 64 * MiB; drained += nextReadSize(drained, 2 * MiB))
      sizes.add(scratchSize(nextReadSize(drained, 2 * MiB), 2 * MiB));
    assert.deepEqual([...sizes], [64 * KiB, 128 * KiB, 256 * KiB, 512 * KiB, 1 * MiB, 2 * MiB]);
  });
});
