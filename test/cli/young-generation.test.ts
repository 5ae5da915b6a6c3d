import assert from "node:assert/strict";
import { test } from "node:test";
import {
  cappedGrowthFactor,
  growthFactorFor,
  HELD_GROWTH_FACTOR,
  V8_GROWTH_FACTOR,
  type YoungGenerationUse,
} from "../../cli/young-generation.js";

test("the young generation stays held for peer get over HTTP/1.1 only", () => {
  const table: [YoungGenerationUse, number][] = [
    [{ command: "get", transport: "connect" }, HELD_GROWTH_FACTOR],
    [{ command: "get", transport: "http" }, HELD_GROWTH_FACTOR],
    [{ command: "get", transport: "connect-h2" }, V8_GROWTH_FACTOR],
    [{ command: "get", transport: "grpc" }, V8_GROWTH_FACTOR],
    [{ command: "serve" }, V8_GROWTH_FACTOR],
  ];
  for (const [use, factor] of table) assert.equal(growthFactorFor(use), factor, JSON.stringify(use));
  assert.equal(HELD_GROWTH_FACTOR, 1);
  assert.equal(V8_GROWTH_FACTOR, 2);
});

test("peer serve's semi-space doubles while it stays within the cap, then is held", () => {
  const MiB = 1024 * 1024;
  const table: [string, number, number, number][] = [
    ["an unknown size (0): held", 0, 4 * MiB, HELD_GROWTH_FACTOR],
    ["a negative size: held", -1, 4 * MiB, HELD_GROWTH_FACTOR],
    ["NaN: held", Number.NaN, 4 * MiB, HELD_GROWTH_FACTOR],
    ["1 MiB under a 4 MiB cap: grows", 1 * MiB, 4 * MiB, V8_GROWTH_FACTOR],
    ["2 MiB: one doubling reaches the cap exactly, grows", 2 * MiB, 4 * MiB, V8_GROWTH_FACTOR],
    ["just over half the cap: a doubling would pass it, held", 2 * MiB + 1, 4 * MiB, HELD_GROWTH_FACTOR],
    ["at the cap: held", 4 * MiB, 4 * MiB, HELD_GROWTH_FACTOR],
    ["above the cap (V8 grew it before we looked): held", 8 * MiB, 4 * MiB, HELD_GROWTH_FACTOR],
    ["a cap below the size: held", 1 * MiB, 1 * MiB, HELD_GROWTH_FACTOR],
  ];
  for (const [name, size, cap, factor] of table) assert.equal(cappedGrowthFactor(size, cap), factor, name);
});
