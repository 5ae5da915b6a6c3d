/** When a checkpoint is due (client/transfer/checkpoint-due.ts), as a table. */
import { test } from "node:test";
import assert from "node:assert/strict";
import { checkpointDue } from "../../../client/transfer/checkpoint-due.js";

const MiB = 1024 * 1024;
const rule = { checkpointBytes: 64 * MiB, checkpointMs: 10_000 };

test("checkpointDue: table", () => {
  const cases: Array<[string, number, number, boolean]> = [
    ["nothing pending, long ago: no fsync for nothing", 0, 10 ** 9, false],
    ["negative pending (hostile): no", -5, 10 ** 9, false],
    ["NaN pending: no", Number.NaN, 10 ** 9, false],
    ["clock went backwards, few bytes: not yet", 1, -50_000, false],
    ["clock went backwards, enough bytes: yes", 64 * MiB, -50_000, true],
    ["one byte short, just before the time", 64 * MiB - 1, 9_999, false],
    ["exactly the byte threshold", 64 * MiB, 0, true],
    ["exactly the time threshold", 1, 10_000, true],
    ["far over both", 1024 * MiB, 10 ** 6, true],
  ];
  for (const [name, pendingBytes, sinceLastMs, want] of cases) {
    assert.equal(checkpointDue({ pendingBytes, sinceLastMs, ...rule }), want, name);
  }
});
