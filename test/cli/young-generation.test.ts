import assert from "node:assert/strict";
import { test } from "node:test";
import {
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
