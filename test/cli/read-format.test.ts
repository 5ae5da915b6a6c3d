/** Table test of the bar's reads (cli/read-format.ts). */
import { test } from "node:test";
import assert from "node:assert/strict";
import { readsSummary } from "../../cli/read-format.js";
import type { ReadProgress } from "../../client/events/download-events.js";

const MiB = 1024 * 1024;
const read = (over: Partial<ReadProgress>): ReadProgress => ({
  start: 0,
  end: 100 * MiB,
  position: 0,
  readAhead: 16 * MiB,
  ready: 0,
  waiting: false,
  ...over,
});

const cases: Array<[string, readonly ReadProgress[] | undefined, string]> = [
  ["no reads field → nothing", undefined, ""],
  ["no reads → nothing", [], ""],
  ["one read with its window", [read({ position: 5 * MiB, ready: 3 * MiB })], " | ▶ 5.0 MiB +3.0 MiB/16.0 MiB"],
  ["a reader waiting", [read({ position: 90 * MiB, waiting: true })], " | ▶ 90.0 MiB waiting"],
  [
    "several, in file order, at most three listed",
    [
      read({ position: 90 * MiB, waiting: true }),
      read({ position: 0, ready: 16 * MiB }),
      read({ position: 99 * MiB, waiting: true }),
      read({ position: 50 * MiB, waiting: true }),
    ],
    " | ▶ 0 B +16.0 MiB/16.0 MiB, 50.0 MiB waiting, 90.0 MiB waiting (+1 more)",
  ],
];

for (const [name, given, want] of cases) {
  test(`readsSummary: ${name}`, () => {
    assert.equal(readsSummary(given), want);
  });
}
