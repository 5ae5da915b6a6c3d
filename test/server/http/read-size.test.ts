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
