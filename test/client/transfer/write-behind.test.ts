/**
 * The write-behind state (client/transfer/write-behind.ts): its five invariants, asserted on a
 * real file through a recording write layer with random delays.
 */
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { open, readFile } from "node:fs/promises";
import path from "node:path";
import { realTransferFs, type TransferFs } from "../../../client/transfer/part-file.js";
import { createWriteBehind } from "../../../client/transfer/write-behind.js";
import { tempDir } from "../../helpers/download-fixtures.js";

let work: { dir: string; remove: () => Promise<void> };
before(async () => {
  work = await tempDir("peer-wb-");
});
after(async () => {
  await work.remove();
});

interface Recorded {
  fs: TransferFs;
  writes: Array<{ at: number; length: number }>;
  maxInFlight: () => number;
}

function recording(writeBytes: number, failAt?: number): Recorded {
  const writes: Array<{ at: number; length: number }> = [];
  let inFlight = 0;
  let max = 0;
  return {
    writes,
    maxInFlight: () => max,
    fs: {
      writeBytes,
      async write(fh, data, position) {
        max = Math.max(max, ++inFlight);
        try {
          await new Promise((r) => setTimeout(r, Math.random() * 3));
          if (failAt !== undefined && writes.length === failAt) throw Object.assign(new Error("EIO"), { code: "EIO" });
          writes.push({ at: position, length: data.length });
          await realTransferFs.write(fh, data, position);
        } finally {
          inFlight--;
        }
      },
    },
  };
}

test("one write in flight, bytes in order at their offsets, gathered only while writing (invariants 1, 2, 5)", async () => {
  const data = randomBytes(3 * 1024 * 1024 + 17);
  const file = path.join(work.dir, "inorder.bin");
  const fh = await open(file, "w+");
  const rec = recording(256 * 1024);
  let lastEnd = 0;
  const wb = createWriteBehind({
    fs: rec.fs,
    fh,
    start: 0,
    onWritten: (end) => {
      assert.ok(end > lastEnd, "written only grows");
      lastEnd = end;
    },
  });
  for (let off = 0; off < data.length; off += 10_000) {
    await wb.push(off, data.subarray(off, Math.min(off + 10_000, data.length)));
    assert.ok(wb.written <= wb.pushed, "written never ahead of pushed");
  }
  await wb.flush();
  await fh.close();
  assert.equal(rec.maxInFlight(), 1);
  assert.equal(wb.written, data.length);
  let expectAt = 0;
  for (const w of rec.writes) {
    assert.equal(w.at, expectAt, "contiguous, in order");
    assert.ok(w.length <= 256 * 1024 + 10_000, "gathered at most writeBytes (+ one push)");
    expectAt += w.length;
  }
  assert.ok(rec.writes.length < Math.ceil(data.length / 10_000), "pushes were gathered while a write was in flight");
  assert.deepEqual(await readFile(file), data);
});

test("a new run at another offset writes the old run out first; each run lands where it was pushed (invariant 3)", async () => {
  const a = randomBytes(100_000);
  const b = randomBytes(50_000);
  const file = path.join(work.dir, "runs.bin");
  const fh = await open(file, "w+");
  const rec = recording(1024 * 1024);
  const wb = createWriteBehind({ fs: rec.fs, fh, start: 200_000 });
  await wb.push(200_000, a.subarray(0, 60_000));
  await wb.push(260_000, a.subarray(60_000));
  await wb.push(0, b);
  assert.equal(wb.pushed, 50_000);
  await wb.flush();
  assert.equal(wb.written, 50_000, "written is the end of the current run");
  await fh.close();
  const out = await readFile(file);
  assert.deepEqual(out.subarray(200_000, 300_000), a);
  assert.deepEqual(out.subarray(0, 50_000), b);
  assert.equal(rec.maxInFlight(), 1);
});

test("after a failed write nothing more is written and pushes throw (invariant 4)", async () => {
  const data = randomBytes(2 * 1024 * 1024);
  const file = path.join(work.dir, "broken.bin");
  const fh = await open(file, "w+");
  const rec = recording(64 * 1024, 2);
  const wb = createWriteBehind({ fs: rec.fs, fh, start: 0 });
  let threw = false;
  for (let off = 0; off < data.length && !threw; off += 32 * 1024) {
    try {
      await wb.push(off, data.subarray(off, off + 32 * 1024));
    } catch {
      threw = true;
    }
  }
  if (!threw) await assert.rejects(wb.flush());
  assert.equal(wb.broken, true);
  const writesAtFailure = rec.writes.length;
  await assert.rejects(wb.push(wb.pushed, Buffer.alloc(10)), /previous write/);
  await assert.rejects(wb.flush(), /previous write/);
  assert.equal(rec.writes.length, writesAtFailure, "no write after the failure");
  await fh.close();
  const out = await readFile(file);
  assert.equal(
    wb.written,
    rec.writes.reduce((n, w) => n + w.length, 0),
  );
  assert.deepEqual(out.subarray(0, wb.written), data.subarray(0, wb.written), "written covers exactly the good prefix");
});
