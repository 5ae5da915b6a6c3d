/**
 * Pooled piece buffers (client/pieces/piece-buffers.ts): only a whole buffer that is lent
 * right now is taken back, once; the buffer follows its piece through a real hashing
 * worker; the assembler fills a reused (dirty) buffer completely; the write-behind gives a
 * piece back only after the write that contained it.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { open, readFile } from "node:fs/promises";
import path from "node:path";
import { createHashPool } from "../../../client/pieces/hash-pool.js";
import { createPieceAssembler } from "../../../client/pieces/piece-assembler.js";
import {
  acquirePieceBuffer,
  FREE_BYTES_PER_LENGTH,
  FREE_BYTES_TOTAL,
  freePieceBytes,
  handOverPieceBuffer,
  releasePieceBuffer,
} from "../../../client/pieces/piece-buffers.js";
import { realTransferFs, type TransferFs } from "../../../client/transfer/part-file.js";
import { createWriteBehind } from "../../../client/transfer/write-behind.js";
import { tempDir } from "../../helpers/download-fixtures.js";

// Lengths no other test in this process uses, so the free lists start empty.
let nextLength = 7 * 1024 + 3;
const freshLength = () => (nextLength += 16);

test("release: hostile inputs are ignored, a lent buffer is taken back once", () => {
  const length = freshLength();
  const before = freePieceBytes(length);
  const cases: Array<{ name: string; bytes: () => Uint8Array; taken: boolean }> = [
    { name: "a buffer never lent (a socket view)", bytes: () => new Uint8Array(length), taken: false },
    { name: "a view into a lent buffer", bytes: () => acquirePieceBuffer(length).subarray(1), taken: false },
    { name: "a view of the first bytes only", bytes: () => acquirePieceBuffer(length).subarray(0, 10), taken: false },
    { name: "a Buffer over a lent buffer at offset 0, whole", bytes: () => acquirePieceBuffer(length), taken: true },
  ];
  let expected = before;
  for (const c of cases) {
    releasePieceBuffer(c.bytes());
    if (c.taken) expected += length;
    assert.equal(freePieceBytes(length), expected, c.name);
  }
  const lent = acquirePieceBuffer(length); // the one just released
  releasePieceBuffer(lent);
  releasePieceBuffer(lent);
  assert.equal(freePieceBytes(length), expected, "a second release of the same buffer is ignored");
});

test("acquire reuses a released buffer of the same length, never one still lent", () => {
  const length = freshLength();
  const a = acquirePieceBuffer(length);
  const b = acquirePieceBuffer(length);
  assert.notEqual(a.buffer, b.buffer);
  releasePieceBuffer(a);
  const c = acquirePieceBuffer(length);
  assert.equal(c.buffer, a.buffer, "the released buffer comes back");
  const d = acquirePieceBuffer(length);
  assert.notEqual(d.buffer, b.buffer, "b is still lent");
  assert.notEqual(d.buffer, c.buffer);
  assert.equal(acquirePieceBuffer(length + 1).byteLength, length + 1, "another length is never served from this list");
});

test("free buffers are capped per length, two kept whatever their size", () => {
  const length = 1024 * 1024 + 16;
  let before = freePieceBytes(length);
  const count = Math.floor(FREE_BYTES_PER_LENGTH / length) + 3;
  for (const b of Array.from({ length: count }, () => acquirePieceBuffer(length))) releasePieceBuffer(b);
  assert.ok(freePieceBytes(length) - before <= FREE_BYTES_PER_LENGTH);
  assert.ok(freePieceBytes(length) - before >= FREE_BYTES_PER_LENGTH - length);
  const huge = FREE_BYTES_PER_LENGTH + 16;
  before = freePieceBytes(huge);
  for (const b of [0, 1, 2].map(() => acquirePieceBuffer(huge))) releasePieceBuffer(b);
  assert.equal(freePieceBytes(huge) - before, 2 * huge);
});

test("handOver: only the object that came back from a worker is taken back", () => {
  const length = freshLength();
  const piece = acquirePieceBuffer(length);
  const back = new ArrayBuffer(length);
  handOverPieceBuffer(piece.buffer as ArrayBuffer, back);
  const before = freePieceBytes(length);
  releasePieceBuffer(piece);
  assert.equal(freePieceBytes(length), before, "the handed-over object is no longer lent");
  releasePieceBuffer(new Uint8Array(back));
  assert.equal(freePieceBytes(length), before + length);
  handOverPieceBuffer(new ArrayBuffer(length), new ArrayBuffer(length)); // never lent: no effect
  assert.equal(freePieceBytes(length), before + length);
});

test("a piece hashed by a real worker comes back lent, and the assembler fills reused buffers completely", async () => {
  const pool = createHashPool({ threads: 1, inline: false });
  try {
    const pieceLength = 16 * 1024;
    const size = 3 * pieceLength + 5;
    for (const round of [0, 1, 2]) {
      const data = randomBytes(size);
      const asm = createPieceAssembler({ start: 0, end: size, pieceLength, size, skip: () => false });
      const pieces = asm.push(0, data);
      asm.finish();
      for (const p of pieces) {
        const { piece } = await pool.pieceNode(p.bytes, pieceLength, false);
        assert.equal(p.bytes.byteLength, 0, "the assembler's view was transferred away");
        assert.deepEqual(Buffer.from(piece), data.subarray(p.offset, p.offset + piece.length), `round ${round}`);
        const before = freePieceBytes(piece.length);
        releasePieceBuffer(piece);
        assert.equal(
          freePieceBytes(piece.length),
          before + piece.length,
          "the buffer back from the worker is taken back",
        );
      }
    }
  } finally {
    await pool.close();
  }
});

test("the write-behind gives a piece back only after the write that held it, gathered with writev", async () => {
  const work = await tempDir("peer-piece-buffers-");
  try {
    const file = path.join(work.dir, "part.bin");
    const fh = await open(file, "w+");
    const length = freshLength();
    const calls: Array<{ kind: string; parts: number; freeAtStart: number }> = [];
    let release: () => void = () => undefined;
    const fs: TransferFs = {
      writeBytes: 1024 * 1024,
      async write(h, data, position) {
        calls.push({ kind: "write", parts: 1, freeAtStart: freePieceBytes(length) });
        await new Promise<void>((r) => (release = r));
        await realTransferFs.write(h, data, position);
      },
      async writev(h, parts, position) {
        calls.push({ kind: "writev", parts: parts.length, freeAtStart: freePieceBytes(length) });
        await realTransferFs.writev?.(h, parts, position);
      },
    };
    const wb = createWriteBehind({ fs, fh, start: 0 });
    const data = randomBytes(3 * length);
    const pieces = [0, 1, 2].map((i) => {
      const p = acquirePieceBuffer(length);
      p.set(data.subarray(i * length, (i + 1) * length));
      return p;
    });
    const before = freePieceBytes(length);
    await wb.push(0, pieces[0] as Uint8Array); // starts a write that waits
    await wb.push(length, pieces[1] as Uint8Array); // gathered
    await wb.push(2 * length, pieces[2] as Uint8Array); // gathered
    assert.equal(freePieceBytes(length), before, "nothing is given back while its write is pending");
    release();
    await wb.flush();
    await fh.close();
    assert.deepEqual(
      calls.map((c) => `${c.kind}:${c.parts}`),
      ["write:1", "writev:2"],
    );
    assert.equal(calls[1]?.freeAtStart, before + length, "the first piece came back once its write ended");
    assert.equal(freePieceBytes(length), before + 3 * length);
    assert.deepEqual(await readFile(file), data);
  } finally {
    await work.remove();
  }
});

test("realTransferFs.writev: a short writev is finished part by part at the right offsets", async () => {
  const parts = [randomBytes(10), randomBytes(0), randomBytes(7), randomBytes(20)];
  const whole = Buffer.concat(parts);
  // A kernel that accepts only `accepted` bytes of the writev: the cases cut before, inside
  // and between parts (a real file never does this on demand, hence the recording handle).
  for (const accepted of [0, 1, 10, 11, 17, 30, 37]) {
    const file = Buffer.alloc(100 + whole.length);
    const fh = {
      async writev(buffers: Uint8Array[], position: number) {
        Buffer.concat(buffers).copy(file, position, 0, accepted);
        return { bytesWritten: accepted, buffers };
      },
      async write(data: Uint8Array, offset: number, length: number, position: number) {
        const n = Math.min(length, 3); // short writes here too
        Buffer.from(data.buffer, data.byteOffset + offset, n).copy(file, position);
        return { bytesWritten: n, buffer: data };
      },
    };
    await realTransferFs.writev?.(fh as unknown as Parameters<TransferFs["write"]>[0], parts, 100);
    assert.deepEqual(file.subarray(100), whole, `writev accepted ${accepted} bytes`);
    assert.ok(
      file.subarray(0, 100).every((b) => b === 0),
      "nothing before the position",
    );
  }
});

test("free buffers of all lengths together are capped: the lengths released longest ago give theirs up", () => {
  // One-piece files of a folder: every file size is a length of its own.
  const base = 300 * 1024 + 7;
  const lengths = Array.from({ length: 80 }, (_, i) => base + i);
  for (const length of lengths) {
    const pair = [acquirePieceBuffer(length), acquirePieceBuffer(length)];
    for (const b of pair) releasePieceBuffer(b);
    assert.ok(freePieceBytes() <= FREE_BYTES_TOTAL + 2 * length, `after length ${length}: ${freePieceBytes()}`);
  }
  assert.ok(freePieceBytes() > FREE_BYTES_TOTAL - 2 * base, "the cap is used, not emptied");
  // The last length released is still served from the pool; the first one is not.
  const last = lengths[lengths.length - 1] as number;
  const before = freePieceBytes();
  acquirePieceBuffer(last);
  assert.equal(freePieceBytes(), before - last, "the newest length kept its buffers");
  const first = lengths[0] as number;
  const beforeFirst = freePieceBytes();
  acquirePieceBuffer(first);
  assert.equal(freePieceBytes(), beforeFirst, "the oldest length gave its buffers up");
});
