/**
 * When the HTTP/2 read path asks V8 for a scavenge (a table of byte counts, hostile ones first),
 * and that asking for one leaves no `gc` function visible to the program.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import vm from "node:vm";
import { H2_YOUNG_GC_BYTES, noteHttp2BytesRead, youngGcDue } from "../../../../client/transfer/fast-read/young-gc.js";

const MiB = 1024 * 1024;

test("youngGcDue: a collection every `every` bytes, the rest carried over", () => {
  const cases: {
    name: string;
    pending: number;
    received: number;
    every?: number;
    want: { pending: number; due: boolean };
  }[] = [
    { name: "NaN received counts nothing", pending: 5, received: Number.NaN, want: { pending: 5, due: false } },
    { name: "negative received counts nothing", pending: 5, received: -10, want: { pending: 5, due: false } },
    { name: "negative pending is reset", pending: -3, received: 0, want: { pending: 0, due: false } },
    { name: "interval 0: never", pending: 0, received: 100 * MiB, every: 0, want: { pending: 0, due: false } },
    {
      name: "interval NaN: never",
      pending: 0,
      received: 100 * MiB,
      every: Number.NaN,
      want: { pending: 0, due: false },
    },
    { name: "zero bytes", pending: 0, received: 0, want: { pending: 0, due: false } },
    { name: "one DATA frame", pending: 0, received: 16 * 1024, want: { pending: 16 * 1024, due: false } },
    {
      name: "one byte short",
      pending: H2_YOUNG_GC_BYTES - 2,
      received: 1,
      want: { pending: H2_YOUNG_GC_BYTES - 1, due: false },
    },
    { name: "exactly the interval", pending: H2_YOUNG_GC_BYTES - 1, received: 1, want: { pending: 0, due: true } },
    {
      name: "past it: the rest carried",
      pending: H2_YOUNG_GC_BYTES - 10,
      received: 30,
      want: { pending: 20, due: true },
    },
    {
      name: "several intervals at once: one collection",
      pending: 0,
      received: 3 * MiB + 5,
      every: MiB,
      want: { pending: 5, due: true },
    },
  ];
  for (const c of cases) assert.deepEqual(youngGcDue(c.pending, c.received, c.every), c.want, c.name);
});

test("the default interval is 8 MiB", () => {
  assert.equal(H2_YOUNG_GC_BYTES, 8 * MiB);
});

test("collecting leaves no gc function on the program's global", () => {
  const before = typeof (globalThis as { gc?: unknown }).gc;
  noteHttp2BytesRead(H2_YOUNG_GC_BYTES);
  noteHttp2BytesRead(H2_YOUNG_GC_BYTES);
  assert.equal(typeof (globalThis as { gc?: unknown }).gc, before);
  assert.equal(typeof (globalThis as { gc?: unknown }).gc, "undefined");
  assert.equal(vm.runInNewContext("typeof gc"), "undefined", "a context made later has none either");
});
