import { test } from "node:test";
import assert from "node:assert/strict";
import { Code } from "@connectrpc/connect";
import {
  checkReadRequest,
  clampChunkSize,
  DEFAULT_CHUNK_SIZE,
  MAX_CHUNK_SIZE,
  MIN_CHUNK_SIZE,
} from "../../../server/rpc/read-request.js";

test("checkReadRequest: docs/protocol.md's ReadFile table", () => {
  const cases: Array<[string, bigint, bigint, number, { start: number; end: number } | Code]> = [
    ["negative offset", -1n, 0n, 10, Code.OutOfRange],
    ["offset past the end", 11n, 0n, 10, Code.OutOfRange],
    ["huge offset", 2n ** 63n - 1n, 0n, 10, Code.OutOfRange],
    ["negative length", 0n, -1n, 10, Code.InvalidArgument],
    ["negative length wins over a bad offset", -5n, -1n, 10, Code.InvalidArgument],
    ["whole file", 0n, 0n, 10, { start: 0, end: 10 }],
    ["from the middle to the end", 4n, 0n, 10, { start: 4, end: 10 }],
    ["offset == size: nothing to send", 10n, 0n, 10, { start: 10, end: 10 }],
    ["empty file from 0", 0n, 0n, 0, { start: 0, end: 0 }],
    ["empty file with a length", 0n, 5n, 0, { start: 0, end: 0 }],
    ["length inside", 2n, 3n, 10, { start: 2, end: 5 }],
    ["length exactly to the end", 2n, 8n, 10, { start: 2, end: 10 }],
    ["length past the end is truncated", 2n, 100n, 10, { start: 2, end: 10 }],
    ["huge length is truncated", 0n, 2n ** 63n - 1n, 10, { start: 0, end: 10 }],
    ["offset == size with a length", 10n, 5n, 10, { start: 10, end: 10 }],
    ["large file", 5_000_000_000n, 1n, 6_000_000_000, { start: 5_000_000_000, end: 5_000_000_001 }],
  ];
  for (const [name, offset, length, size, expected] of cases) {
    const d = checkReadRequest(offset, length, size);
    if (typeof expected === "number") {
      assert.equal(d.ok, false, name);
      if (!d.ok) {
        assert.equal(d.code, expected, name);
        assert.ok(d.message.length > 0);
      }
    } else {
      assert.deepEqual(d, { ok: true, ...expected }, name);
    }
  }
});

test("clampChunkSize", () => {
  const cases: Array<[number, number]> = [
    [0, DEFAULT_CHUNK_SIZE],
    [-1, DEFAULT_CHUNK_SIZE],
    [Number.NaN, DEFAULT_CHUNK_SIZE],
    [1, MIN_CHUNK_SIZE],
    [MIN_CHUNK_SIZE - 1, MIN_CHUNK_SIZE],
    [MIN_CHUNK_SIZE, MIN_CHUNK_SIZE],
    [256 * 1024, 256 * 1024],
    [MAX_CHUNK_SIZE, MAX_CHUNK_SIZE],
    [MAX_CHUNK_SIZE + 1, MAX_CHUNK_SIZE],
    [2 ** 31 - 1, MAX_CHUNK_SIZE],
  ];
  for (const [hint, expected] of cases) assert.equal(clampChunkSize(hint), expected, String(hint));
  assert.equal(MIN_CHUNK_SIZE, 16 * 1024);
  assert.equal(MAX_CHUNK_SIZE, 2 * 1024 * 1024);
  assert.equal(DEFAULT_CHUNK_SIZE, 1024 * 1024);
});
