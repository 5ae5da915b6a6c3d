import { test } from "node:test";
import assert from "node:assert/strict";
import { writesVerifying } from "../../../client/attempt/verifying-write.js";

test("writesVerifying: only a file of two pieces or more stores `verifying` before its final step", () => {
  const cases: Array<[string, number, boolean]> = [
    ["no piece (nothing planned)", 0, false],
    ["one piece (a file up to 1 MiB)", 1, false],
    ["two pieces", 2, true],
    ["a large file", 65_536, true],
  ];
  for (const [name, pieces, expected] of cases) assert.equal(writesVerifying(pieces), expected, name);
});
