import assert from "node:assert/strict";
import { describe, test } from "node:test";
import {
  allocationSize,
  BUFFER_GRANULE,
  createReadBufferPool,
  keepReleased,
  MAX_IDLE_BYTES,
  pickIdle,
} from "../../../server/limits/read-buffer-pool.js";

const KiB = 1024;
const MiB = 1024 * KiB;

describe("allocationSize", () => {
  const cases: [string, number, number][] = [
    ["zero: one granule", 0, BUFFER_GRANULE],
    ["one byte: one granule", 1, BUFFER_GRANULE],
    ["a granule exactly", 64 * KiB, 64 * KiB],
    ["a byte over: two granules", 64 * KiB + 1, 128 * KiB],
    ["a ReadFile message of 1 MiB (header and item behind it)", 1 * MiB + 22 + 200, 1 * MiB + 64 * KiB],
    ["the HTTP route's largest read", 2 * MiB, 2 * MiB],
  ];
  for (const [name, size, expected] of cases) test(name, () => assert.equal(allocationSize(size), expected));
});

describe("pickIdle", () => {
  const cases: [string, number[], number, number][] = [
    ["nothing idle: allocate", [], 1, -1],
    ["every idle buffer too small: allocate", [64 * KiB, 128 * KiB], 129 * KiB, -1],
    ["an exact fit", [64 * KiB, 128 * KiB], 128 * KiB, 1],
    ["the smallest that fits, not the first", [2 * MiB, 256 * KiB, 1 * MiB], 200 * KiB, 1],
    ["a bigger one rather than a new one", [2 * MiB], 64 * KiB, 0],
    ["equal sizes: the first", [1 * MiB, 1 * MiB], 1 * MiB, 0],
  ];
  for (const [name, idle, size, expected] of cases) test(name, () => assert.equal(pickIdle(idle, size), expected));
});

describe("keepReleased", () => {
  const cases: [string, number, number, number, boolean][] = [
    ["a zero bound keeps nothing", 0, 64 * KiB, 0, false],
    ["an empty pool keeps a buffer within the bound", 0, 2 * MiB, 8 * MiB, true],
    ["filling the bound exactly", 6 * MiB, 2 * MiB, 8 * MiB, true],
    ["one byte over the bound: dropped", 6 * MiB + 1, 2 * MiB, 8 * MiB, false],
    ["a buffer bigger than the bound: dropped", 0, 16 * MiB, 8 * MiB, false],
  ];
  for (const [name, idle, length, max, expected] of cases)
    test(name, () => assert.equal(keepReleased(idle, length, max), expected));
});

describe("createReadBufferPool", () => {
  test("a released buffer is handed out again; nothing new is allocated", () => {
    const pool = createReadBufferPool();
    const a = pool.acquire(1 * MiB + 100);
    assert.equal(a.length, 1 * MiB + 64 * KiB);
    assert.deepEqual(pool.stats(), { idleBytes: 0, lentBytes: a.length, lentBuffers: 1, allocatedBytes: a.length });
    pool.release(a);
    assert.deepEqual(pool.stats(), { idleBytes: a.length, lentBytes: 0, lentBuffers: 0, allocatedBytes: a.length });
    assert.equal(pool.acquire(64 * KiB), a);
    assert.equal(pool.stats().allocatedBytes, a.length);
  });
  test("a buffer released twice goes back once (never lent to two streams)", () => {
    const pool = createReadBufferPool();
    const a = pool.acquire(64 * KiB);
    pool.release(a);
    pool.release(a);
    assert.equal(pool.stats().idleBytes, a.length);
    assert.equal(pool.acquire(64 * KiB), a);
    assert.notEqual(pool.acquire(64 * KiB), a);
  });
  test("a buffer the pool never lent is not taken in", () => {
    const pool = createReadBufferPool();
    pool.release(Buffer.alloc(64 * KiB));
    assert.deepEqual(pool.stats(), { idleBytes: 0, lentBytes: 0, lentBuffers: 0, allocatedBytes: 0 });
  });
  test("releaseAfter: back at once with no write pending, else only once the write completed", async () => {
    const pool = createReadBufferPool();
    const a = pool.acquire(64 * KiB);
    pool.releaseAfter(a, undefined);
    assert.equal(pool.stats().lentBuffers, 0);
    const b = pool.acquire(64 * KiB);
    let wrote!: () => void;
    const write = new Promise<void>((resolve) => (wrote = resolve));
    pool.releaseAfter(b, write);
    await new Promise((r) => setImmediate(r));
    assert.equal(pool.stats().lentBuffers, 1, "the socket still holds its bytes: not back yet");
    wrote();
    await write;
    await new Promise((r) => setImmediate(r));
    assert.equal(pool.stats().lentBuffers, 0);
    const never = pool.acquire(64 * KiB);
    pool.releaseAfter(never, new Promise<void>(() => undefined)); // an aborted write never calls back
    assert.equal(pool.stats().lentBuffers, 1);
  });
  test("idle bytes never pass the bound; the rest is left to the garbage collector", () => {
    const pool = createReadBufferPool();
    const lent = Array.from({ length: 8 }, () => pool.acquire(2 * MiB));
    for (const b of lent) pool.release(b);
    assert.equal(pool.stats().idleBytes, MAX_IDLE_BYTES);
    assert.equal(pool.stats().lentBytes, 0);
  });
});
