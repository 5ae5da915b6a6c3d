import { test } from "node:test";
import assert from "node:assert/strict";
import { planChangesRow, type PlanFacts, type PlanRow } from "../../../client/attempt/plan-write.js";

const ROOT = "a".repeat(64);
const facts: PlanFacts = {
  expected_size: 65_536,
  expected_etag: "e1",
  expected_sha256: null,
  pieces_root: ROOT,
  piece_length: 65_536,
  pieces_verified: null,
};
const same: PlanRow = { ...facts };

test("planChangesRow: the plan writes the row only when a column would change", () => {
  const cases: Array<[string, PlanRow, PlanFacts, boolean]> = [
    ["a row that knows no root (a peer still hashing at enqueue)", { ...same, pieces_root: null }, facts, true],
    ["a row without the root column read", { ...same, pieces_root: undefined }, facts, true],
    ["another piece length", { ...same, piece_length: 16_384 }, facts, true],
    ["no piece length", { ...same, piece_length: null }, facts, true],
    ["a bitmap dropped (it no longer fits)", { ...same, pieces_verified: "ff" }, facts, true],
    ["a bitmap the plan keeps", { ...same, pieces_verified: "ff" }, { ...facts, pieces_verified: "ff" }, false],
    ["a digest learnt from StatItem", same, { ...facts, expected_sha256: "b".repeat(64) }, true],
    ["another etag", { ...same, expected_etag: "e0" }, facts, true],
    ["no etag yet", { ...same, expected_etag: null }, facts, true],
    ["another size", { ...same, expected_size: 1 }, facts, true],
    ["no size yet", { ...same, expected_size: null }, facts, true],
    ["sizes read back as bigint and string", { ...same, expected_size: 65_536n, piece_length: "65536" }, facts, false],
    ["a folder's file job on its first attempt (everything known)", same, facts, false],
  ];
  for (const [name, row, f, expected] of cases) assert.equal(planChangesRow(row, f), expected, name);
});
