import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { test } from "node:test";
import { createHashPool, hashPiecesInline } from "../../../client/pieces/hash-pool.js";
import { sha256 } from "../../../common/hash/sha256.js";
import { leafHashes, pieceHash, rootFromLeaves } from "../../../common/pieces/tree.js";

test("pieces are hashed on the event loop only on a machine with at most 2 cores", () => {
  const table: [cores: number, inline: boolean][] = [
    [1, true],
    [2, true],
    [3, false],
    [4, false],
    [64, false],
  ];
  for (const [cores, inline] of table) assert.equal(hashPiecesInline(cores), inline, `${cores} cores`);
});

test("an inline pool and a worker pool give the same nodes, and the inline one settles before it returns", async () => {
  const pieceLength = 64 * 1024;
  const inlinePool = createHashPool({ inline: true });
  const workerPool = createHashPool({ threads: 1, inline: false });
  try {
    assert.equal(inlinePool.inline, true);
    assert.equal(workerPool.inline, false);
    // A whole piece, a short last piece (two leaves and a bit), and a file of one piece (its root).
    const cases: { bytes: Uint8Array; whole: boolean; expected: Uint8Array }[] = [];
    const full = randomBytes(pieceLength);
    cases.push({ bytes: full, whole: false, expected: pieceHash(full, pieceLength, sha256) });
    const short = randomBytes(2 * 16384 + 100);
    cases.push({ bytes: short, whole: false, expected: pieceHash(short, pieceLength, sha256) });
    const one = randomBytes(40_000);
    cases.push({
      bytes: one,
      whole: true,
      expected: rootFromLeaves(leafHashes(one, sha256), sha256),
    });
    for (const [i, c] of cases.entries()) {
      let settled = false;
      const fromInline = inlinePool.pieceNode(Uint8Array.from(c.bytes), pieceLength, c.whole);
      fromInline.then(() => (settled = true));
      await Promise.resolve();
      assert.equal(settled, true, `case ${i}: the inline node is there at once`);
      const a = await fromInline;
      const b = await workerPool.pieceNode(Uint8Array.from(c.bytes), pieceLength, c.whole);
      assert.deepEqual(Buffer.from(a.node), Buffer.from(c.expected), `case ${i}: inline node`);
      assert.deepEqual(Buffer.from(b.node), Buffer.from(c.expected), `case ${i}: worker node`);
      assert.deepEqual(Buffer.from(a.piece), Buffer.from(c.bytes), `case ${i}: the inline piece comes back`);
      assert.deepEqual(Buffer.from(b.piece), Buffer.from(c.bytes), `case ${i}: the worker piece comes back`);
    }
  } finally {
    await inlinePool.close();
    await workerPool.close();
  }
});
