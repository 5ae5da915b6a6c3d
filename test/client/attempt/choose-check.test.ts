/** Which check an attempt's transfer runs (client/attempt/choose-check.ts): a table. */
import { test } from "node:test";
import assert from "node:assert/strict";
import { chooseCheck, type CheckChoice, type CheckChoiceInput } from "../../../client/attempt/choose-check.js";

const cases: Array<[string, CheckChoiceInput, CheckChoice]> = [
  [
    "verification off but a plan and a bitmap (never trust a bitmap the SHA-256 check cannot keep)",
    { verifyPieces: false, planned: true, rowHasBitmap: true },
    { kind: "sha256", forgetBitmap: true },
  ],
  [
    "no plan (no root, or GetPieceHashes unreachable) with a bitmap on the row: it is forgotten",
    { verifyPieces: true, planned: false, rowHasBitmap: true },
    { kind: "sha256", forgetBitmap: true },
  ],
  [
    "no plan, no bitmap",
    { verifyPieces: true, planned: false, rowHasBitmap: false },
    { kind: "sha256", forgetBitmap: false },
  ],
  [
    "verification off, nothing recorded",
    { verifyPieces: false, planned: false, rowHasBitmap: false },
    { kind: "sha256", forgetBitmap: false },
  ],
  ["a plan: per piece", { verifyPieces: true, planned: true, rowHasBitmap: false }, { kind: "pieces" }],
  [
    "a plan and a bitmap: per piece, the bitmap kept",
    { verifyPieces: true, planned: true, rowHasBitmap: true },
    { kind: "pieces" },
  ],
];

for (const [name, input, want] of cases) {
  test(`chooseCheck: ${name}`, () => {
    assert.deepEqual(chooseCheck(input), want);
  });
}
