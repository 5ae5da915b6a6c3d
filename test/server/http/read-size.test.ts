import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { MIN_READ_SIZE, nextReadSize } from "../../../server/http/read-size.js";

const KiB = 1024;
const MiB = 1024 * KiB;

describe("nextReadSize (slow start)", () => {
  const cases: [string, number, number, number][] = [
    ["nothing drained yet: the minimum", 0, 2 * MiB, 64 * KiB],
    ["a little drained: still the minimum", 100 * KiB, 2 * MiB, 64 * KiB],
    ["one eighth of what was drained", 1 * MiB, 2 * MiB, 128 * KiB],
    ["just under a doubling: the step below", 2 * MiB - 1, 2 * MiB, 128 * KiB],
    ["between doublings: the step below, not one eighth", 1.5 * MiB, 2 * MiB, 128 * KiB],
    ["a doubling reached", 2 * MiB, 2 * MiB, 256 * KiB],
    ["the step below the maximum", 15 * MiB, 2 * MiB, 1 * MiB],
    ["a maximum that is no doubling of the minimum is reached at its eighth", 24 * MiB, 3 * MiB, 3 * MiB],
    ["below that maximum's eighth: the last doubling under it", 23 * MiB, 3 * MiB, 2 * MiB],
    ["NaN drained: the minimum", Number.NaN, 2 * MiB, 64 * KiB],
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
  test("a response of 64 MiB reads in six sizes (the scratch buffer is replaced at most five times)", () => {
    const sizes = new Set<number>();
    for (let drained = 0; drained < 64 * MiB; drained += nextReadSize(drained, 2 * MiB))
      sizes.add(nextReadSize(drained, 2 * MiB));
    assert.deepEqual([...sizes], [64 * KiB, 128 * KiB, 256 * KiB, 512 * KiB, 1 * MiB, 2 * MiB]);
  });
});
