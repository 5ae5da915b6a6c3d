/**
 * The one hash pool (common/hash/hash-pool.ts) with real worker threads: every task kind against
 * node:crypto, buffers transferred and given back whole, a changed file as FileChangedError,
 * background tasks beside foreground ones, and close (idle workers ending:
 * test/server/digest/pieces-hasher.test.ts).
 */
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { createHash, randomBytes } from "node:crypto";
import { appendFile, mkdtemp, rm, stat, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { createHashPool } from "../../../common/hash/hash-pool.js";
import { leavesOf, LEAF_BYTES } from "../../../common/hash/sha256.js";
import { hashFile } from "../../../common/hash/hash-file.js";
import { FileChangedError, type FileVersion } from "../../../common/files/file-reader.js";

let dir: string;
before(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), "peer-hash-pool-"));
});
after(async () => {
  await rm(dir, { recursive: true, force: true });
});

const hex = (b: Uint8Array) => Buffer.from(b).toString("hex");
const leavesBy = (data: Uint8Array) => {
  const parts: string[] = [];
  for (let i = 0; i < data.length; i += LEAF_BYTES) {
    parts.push(
      createHash("sha256")
        .update(data.subarray(i, i + LEAF_BYTES))
        .digest("hex"),
    );
  }
  return parts.join("");
};

async function versionOf(file: string): Promise<FileVersion> {
  const st = await stat(file, { bigint: true });
  return { path: file, size: Number(st.size), mtimeNs: st.mtimeNs, dev: st.dev, ino: st.ino };
}

test("leavesOf: one SHA-256 per 16 KiB block, the last one shorter (table of sizes)", () => {
  for (const size of [0, 1, LEAF_BYTES - 1, LEAF_BYTES, LEAF_BYTES + 1, 5 * LEAF_BYTES + 7]) {
    const data = randomBytes(size);
    assert.equal(hex(leavesOf(data)), leavesBy(data), `size ${size}`);
  }
});

test("leaves: the buffer goes to a worker and comes back with the same bytes; the sent one is detached", async () => {
  const pool = createHashPool({ threads: 2 });
  try {
    const inputs = [1, 3 * LEAF_BYTES + 5, 64 * LEAF_BYTES].map((n) => randomBytes(n));
    const results = await Promise.all(
      inputs.map(async (data) => {
        const buffer = new Uint8Array(data).buffer;
        const out = await pool.leaves(buffer, data.length);
        assert.equal(buffer.byteLength, 0, "transferred, not copied");
        return out;
      }),
    );
    for (const [i, r] of results.entries()) {
      assert.equal(hex(r.leaves), leavesBy(inputs[i]!));
      assert.deepEqual(Buffer.from(r.buffer), inputs[i]);
    }
  } finally {
    await pool.close();
  }
});

test("file tasks: leaves of a range, a short file's bytesRead, SHA-256 of a prefix, a version's hashes", async () => {
  const pool = createHashPool({ threads: 1 });
  try {
    const data = randomBytes(3 * 1024 * 1024 + 11);
    const file = path.join(dir, "a.bin");
    await writeFile(file, data);
    const range = await pool.fileLeaves(file, LEAF_BYTES, 4 * LEAF_BYTES);
    assert.equal(range.bytesRead, 4 * LEAF_BYTES);
    assert.equal(hex(range.leaves), leavesBy(data.subarray(LEAF_BYTES, 5 * LEAF_BYTES)));
    const tail = await pool.fileLeaves(file, data.length - 3, 100);
    assert.equal(tail.bytesRead, 3);
    assert.equal(await pool.sha256File(file, 1000), createHash("sha256").update(data.subarray(0, 1000)).digest("hex"));
    const entry = await versionOf(file);
    assert.deepEqual(await pool.fileHashes(entry, { chunkSize: 100_000 }), await hashFile(entry));
    // A foreground piece while background passes are queued still gets an answer.
    const fullPass = pool.fileHashes(entry);
    const alonePass = pool.fileHashes(entry, { sha256Only: true });
    const piece = await pool.leaves(new Uint8Array(data.subarray(0, LEAF_BYTES)).buffer, LEAF_BYTES);
    assert.equal(hex(piece.leaves), leavesBy(data.subarray(0, LEAF_BYTES)));
    const [full, alone] = await Promise.all([fullPass, alonePass]);
    assert.equal(full.sha256, alone.sha256);
  } finally {
    await pool.close();
  }
});

test("a changed file rejects with FileChangedError; the worker survives failed tasks; close rejects", async () => {
  const pool = createHashPool({ threads: 1, idleMs: 20 });
  try {
    const file = path.join(dir, "b.bin");
    await writeFile(file, randomBytes(200_000));
    const entry = await versionOf(file);
    await appendFile(file, "x");
    await assert.rejects(pool.fileHashes(entry), FileChangedError);
    await assert.rejects(pool.sha256File(path.join(dir, "missing"), 1), /hashing failed/);
    const fresh = await versionOf(file);
    assert.equal((await pool.fileHashes(fresh)).sha256.length, 64);
    const big = path.join(dir, "c.bin");
    await writeFile(big, Buffer.alloc(16 * 1024 * 1024, 1));
    const running = assert.rejects(pool.fileHashes(await versionOf(big), { chunkSize: LEAF_BYTES }), /closed/);
    await pool.close();
    await running;
    await assert.rejects(pool.leaves(new ArrayBuffer(1), 1), /closed/);
  } finally {
    await pool.close();
  }
});

test("warmed workers with no task do not keep the process alive", async () => {
  // A "message" listener added after unref() refs the worker again: the process never exited.
  const script = path.join(dir, "warm.mts");
  const pool = new URL("../../../common/hash/hash-pool.ts", import.meta.url).pathname;
  await writeFile(
    script,
    `import { createHashPool } from ${JSON.stringify(pool)};\n` +
      "createHashPool({ threads: 2, idleMs: 600_000 }).warm();\n",
  );
  const { spawn } = await import("node:child_process");
  const child = spawn(process.execPath, ["--import", "tsx", script], { stdio: "ignore" });
  // Bounded wait for the exit event (not a timing assertion): with the bug it waited for idleMs.
  const killer = setTimeout(() => child.kill("SIGKILL"), 60_000);
  const [code, signal] = await new Promise<[number | null, NodeJS.Signals | null]>((resolve) =>
    child.once("exit", (c, s) => resolve([c, s])),
  );
  clearTimeout(killer);
  assert.equal(signal, null, "the process had to be killed: a warmed worker held it");
  assert.equal(code, 0);
});
