/**
 * The per-call ReadFile message limit (common/wire/limits.ts): the chunk size a compliant server
 * grants for a request's `chunk_size` (the server's own clamp, server/rpc/read-request.ts), and the
 * largest message it may then send, which the client's fast reader accepts and sizes its read
 * areas from.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import {
  DEFAULT_CHUNK_SIZE,
  grantedChunkSize,
  MAX_CHUNK_SIZE,
  MAX_ITEM_BYTES,
  MAX_READ_FILE_MESSAGE_BYTES,
  maxReadFileMessageBytes,
  MIN_CHUNK_SIZE,
} from "../../../common/wire/limits.js";
import { clampChunkSize } from "../../../server/rpc/read-request.js";

const KiB = 1024;
const MiB = 1024 * KiB;
/** Item and field headers: 16 KiB + 64 KiB. */
const AROUND = MAX_ITEM_BYTES + 64 * KiB;

const CASES: ReadonlyArray<{ chunkSize: number; granted: number; message: number }> = [
  { chunkSize: 1 * MiB, granted: 1 * MiB, message: 1 * MiB + 80 * KiB }, // the client's RPC_CHUNK_SIZE
  { chunkSize: 512 * KiB, granted: 512 * KiB, message: 592 * KiB }, // after one failure
  { chunkSize: 16 * KiB, granted: 16 * KiB, message: 96 * KiB }, // the smallest the client asks
  { chunkSize: 1, granted: MIN_CHUNK_SIZE, message: MIN_CHUNK_SIZE + AROUND }, // raised by the server
  { chunkSize: 16 * KiB - 1, granted: MIN_CHUNK_SIZE, message: MIN_CHUNK_SIZE + AROUND },
  { chunkSize: 100_000.7, granted: 100_000, message: 100_000 + AROUND }, // floored
  { chunkSize: 0, granted: DEFAULT_CHUNK_SIZE, message: DEFAULT_CHUNK_SIZE + AROUND }, // 0 = the server's default
  { chunkSize: -5, granted: DEFAULT_CHUNK_SIZE, message: DEFAULT_CHUNK_SIZE + AROUND },
  { chunkSize: Number.NaN, granted: DEFAULT_CHUNK_SIZE, message: DEFAULT_CHUNK_SIZE + AROUND },
  { chunkSize: 2 * MiB, granted: MAX_CHUNK_SIZE, message: MAX_READ_FILE_MESSAGE_BYTES },
  { chunkSize: 2 * MiB + 1, granted: MAX_CHUNK_SIZE, message: MAX_READ_FILE_MESSAGE_BYTES }, // lowered by the server
  { chunkSize: 2 ** 31 - 1, granted: MAX_CHUNK_SIZE, message: MAX_READ_FILE_MESSAGE_BYTES },
  { chunkSize: Number.POSITIVE_INFINITY, granted: DEFAULT_CHUNK_SIZE, message: DEFAULT_CHUNK_SIZE + AROUND },
];

for (const c of CASES) {
  test(`chunk_size ${c.chunkSize}: granted ${c.granted}, messages of at most ${c.message} bytes`, () => {
    assert.equal(grantedChunkSize(c.chunkSize), c.granted);
    assert.equal(maxReadFileMessageBytes(c.chunkSize), c.message);
    // The client's rule is the server's: what the server grants is what the client accepts.
    assert.equal(clampChunkSize(c.chunkSize), c.granted);
    assert.ok(c.message <= MAX_READ_FILE_MESSAGE_BYTES, "never above the protocol's largest message");
  });
}

test("the default 1 MiB chunk about halves the largest message the client accepts (and its read areas)", () => {
  assert.equal(maxReadFileMessageBytes(1 * MiB), 1_130_496);
  assert.equal(MAX_READ_FILE_MESSAGE_BYTES, 2_179_072);
});
