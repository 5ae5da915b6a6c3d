import { test } from "node:test";
import assert from "node:assert/strict";
import { Code } from "@connectrpc/connect";
import { MAX_HASHES_PER_ANSWER, planPieceHashesPage } from "../../../server/rpc/piece-hashes-page.js";

test("planPieceHashesPage: table, hostile inputs first", () => {
  assert.equal(MAX_HASHES_PER_ANSWER, 2048, "64 KiB of 32-byte hashes");
  const cases: Array<{ name: string; first: bigint; count: bigint; pieces: number; layer: number; want: unknown }> = [
    {
      name: "count < 0",
      first: 0n,
      count: -1n,
      pieces: 10,
      layer: 10,
      want: { ok: false, code: Code.InvalidArgument },
    },
    { name: "first < 0", first: -1n, count: 0n, pieces: 10, layer: 10, want: { ok: false, code: Code.OutOfRange } },
    {
      name: "first > piece count",
      first: 11n,
      count: 0n,
      pieces: 10,
      layer: 10,
      want: { ok: false, code: Code.OutOfRange },
    },
    {
      name: "huge first",
      first: 2n ** 62n,
      count: 0n,
      pieces: 10,
      layer: 10,
      want: { ok: false, code: Code.OutOfRange },
    },
    {
      name: "huge count is capped",
      first: 0n,
      count: 2n ** 62n,
      pieces: 5000,
      layer: 5000,
      want: { ok: true, first: 0, end: 2048 },
    },
    {
      name: "count 0: as many as fit",
      first: 100n,
      count: 0n,
      pieces: 5000,
      layer: 5000,
      want: { ok: true, first: 100, end: 2148 },
    },
    {
      name: "count 0, near the end",
      first: 4000n,
      count: 0n,
      pieces: 5000,
      layer: 5000,
      want: { ok: true, first: 4000, end: 5000 },
    },
    { name: "exact count", first: 3n, count: 4n, pieces: 10, layer: 10, want: { ok: true, first: 3, end: 7 } },
    { name: "count past the end", first: 8n, count: 4n, pieces: 10, layer: 10, want: { ok: true, first: 8, end: 10 } },
    {
      name: "first == piece count: empty",
      first: 10n,
      count: 0n,
      pieces: 10,
      layer: 10,
      want: { ok: true, first: 10, end: 10 },
    },
    {
      name: "one-piece file: no layer",
      first: 0n,
      count: 0n,
      pieces: 1,
      layer: 0,
      want: { ok: true, first: 0, end: 0 },
    },
    {
      name: "one-piece file, first 1",
      first: 1n,
      count: 0n,
      pieces: 1,
      layer: 0,
      want: { ok: true, first: 1, end: 1 },
    },
    { name: "empty file", first: 0n, count: 0n, pieces: 0, layer: 0, want: { ok: true, first: 0, end: 0 } },
    {
      name: "empty file, first 1",
      first: 1n,
      count: 0n,
      pieces: 0,
      layer: 0,
      want: { ok: false, code: Code.OutOfRange },
    },
  ];
  for (const c of cases) {
    const got = planPieceHashesPage({ first: c.first, count: c.count }, c.pieces, c.layer);
    const shape = got.ok ? got : { ok: false, code: got.code };
    assert.deepEqual(shape, c.want, c.name);
    if (!got.ok) assert.ok(got.message.length > 10, `${c.name}: says what was wrong`);
  }
});
