/** Bytes a piece bitmap stands for (client/pieces/bitmap.ts `prefixBytes`, `bitmapBytes`): a table. */
import { test } from "node:test";
import assert from "node:assert/strict";
import { bitmapBytes, emptyBitmap, prefixBytes, setPiece } from "../../../client/pieces/bitmap.js";

/** A bitmap of `count` pieces with `set` set. */
function bits(count: number, set: number[]) {
  const b = emptyBitmap(count);
  for (const i of set) setPiece(b, i);
  return b;
}

// 4 pieces of 10 bytes, the last one short (size 35).
const cases: Array<[string, number[], number, number]> = [
  ["nothing", [], 0, 0],
  ["a hole at 0: no prefix", [1, 2], 0, 20],
  ["the short last piece alone", [3], 0, 5],
  ["a prefix of two", [0, 1], 20, 20],
  ["a prefix then a hole then the last", [0, 1, 3], 20, 25],
  ["every piece: the size, not 4 × 10", [0, 1, 2, 3], 35, 35],
];

for (const [name, set, prefix, total] of cases) {
  test(`bitmap bytes: ${name}`, () => {
    const b = bits(4, set);
    assert.equal(prefixBytes(b, 35, 10), prefix);
    assert.equal(bitmapBytes(b, 35, 10), total);
  });
}
