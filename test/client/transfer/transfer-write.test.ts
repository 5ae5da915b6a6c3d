/**
 * The transfer's write path (client/transfer/transfer.ts, SHA-256 check): small network chunks are
 * coalesced into large writes, one write stays in flight while the next chunk is read,
 * the bytes and digest are exact, a checkpoint never stores an offset ahead of the bytes
 * on disk, and after a failed write nothing more is written (no bytes at a wrong offset).
 * Real files in a temp dir; the source is an in-process async generator of chunks.
 */
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { readFile, stat } from "node:fs/promises";
import path from "node:path";
import type { FileHandle } from "node:fs/promises";
import { DownloadError } from "../../../client/errors.js";
import {
  REAL_WRITE_BYTES as WRITE_COALESCE_BYTES,
  realTransferFs,
  type TransferFs,
} from "../../../client/transfer/part-file.js";
import type { Chunk, OpenRead } from "../../../client/transfer/read-source.js";
import {
  runTransfer,
  type Checkpoint,
  type Sha256Check,
  type TransferHooks,
  type TransferOptions,
} from "../../../client/transfer/transfer.js";
import { sha256, tempDir } from "../../helpers/download-fixtures.js";

let work: { dir: string; remove: () => Promise<void> };
before(async () => {
  work = await tempDir("peer-write-");
});
after(async () => {
  await work.remove();
});

const CHUNK = 64 * 1024;

/** A source yielding `data` in CHUNK pieces from the asked offset; records when each chunk was asked for. */
function chunkSource(data: Buffer, log: string[]): OpenRead {
  return async (req) => {
    async function* gen(): AsyncGenerator<Chunk> {
      for (let off = req.offset; off < data.length; off += CHUNK) {
        log.push("read");
        await new Promise((r) => setImmediate(r));
        yield { offset: off, data: Buffer.from(data.subarray(off, Math.min(off + CHUNK, data.length))) };
      }
    }
    return { meta: { size: data.length, etag: '"e1"', sha256: sha256(data) }, start: req.offset, body: gen() };
  };
}

/** Hooks recording checkpoints and the bytes that were on disk at each. */
function recordingHooks(partPath: string, checkpoints: Array<{ committed: number; onDisk: number }>): TransferHooks {
  return {
    onValidated: async () => undefined,
    onRestart: async () => undefined,
    onBytes: () => undefined,
    onCheckpoint: async ({ committed }) => {
      checkpoints.push({ committed, onDisk: (await stat(partPath)).size });
    },
    onVerifying: async ({ committed }) => {
      checkpoints.push({ committed, onDisk: (await stat(partPath)).size });
    },
  };
}

function params(
  name: string,
  data: Buffer,
  fs: TransferFs,
  log: string[],
  checkpoints: Array<{ committed: number; onDisk: number }>,
  checkpointBytes = 2 ** 40,
): TransferOptions & { check: Sha256Check } {
  const partPath = path.join(work.dir, `${name}.part`);
  return {
    check: {
      kind: "sha256",
      itemId: `share/${name}`,
      expected: { size: data.length, etag: '"e1"', sha256: sha256(data) },
      committed: 0,
      openRead: chunkSource(data, log),
    },
    partPath,
    destination: path.join(work.dir, name),
    signal: new AbortController().signal,
    idleTimeoutMs: 60_000,
    checkpointBytes,
    checkpointMs: 3_600_000,
    maxFileSize: 2 ** 40,
    fs,
    now: () => Date.now(),
    hooks: recordingHooks(partPath, checkpoints),
  };
}

test("64 KiB chunks received during a write are gathered into one write (≤ ~1 MiB), one in flight; bytes and digest exact", async () => {
  const data = randomBytes(5 * 1024 * 1024 + 12345);
  const log: string[] = [];
  const sizes: number[] = [];
  let inFlight = 0;
  let readsDuringWrite = 0;
  const fs: TransferFs = {
    writeBytes: WRITE_COALESCE_BYTES,
    async write(fh: FileHandle, chunk: Uint8Array, position: number) {
      inFlight++;
      log.push("write");
      sizes.push(chunk.length);
      const before = log.filter((e) => e === "read").length;
      await new Promise((r) => setTimeout(r, 50));
      await realTransferFs.write(fh, chunk, position);
      if (log.filter((e) => e === "read").length > before) readsDuringWrite++;
      inFlight--;
      assert.equal(inFlight, 0, "at most one write in flight");
    },
  };
  const checkpoints: Array<{ committed: number; onDisk: number }> = [];
  const p = params("coalesce.bin", data, fs, log, checkpoints);
  const result = await runTransfer(p, { bytesWritten: 0 });
  assert.equal(result.size, data.length);
  assert.equal(result.sha256, sha256(data));
  assert.equal(result.digestVerified, true);
  assert.deepEqual(await readFile(p.destination), data);
  const chunks = Math.ceil(data.length / CHUNK);
  assert.ok(sizes.length < chunks / 2, `${sizes.length} writes for ${chunks} chunks`);
  assert.ok(Math.max(...sizes) > 4 * CHUNK, "chunks received during a write were gathered");
  assert.ok(sizes.every((s) => s <= WRITE_COALESCE_BYTES + CHUNK));
  assert.equal(
    sizes.reduce((a, b) => a + b, 0),
    data.length,
  );
  assert.ok(readsDuringWrite > 0, "the network was read while a write was in flight");
  assert.deepEqual(
    checkpoints,
    [{ committed: data.length, onDisk: data.length }],
    "one commit: the last checkpoint with 'verifying'",
  );
});

test("checkpoints store an offset never ahead of the bytes on disk", async () => {
  const data = randomBytes(3 * 1024 * 1024 + 7);
  const checkpoints: Array<{ committed: number; onDisk: number }> = [];
  const p = params("checkpoints.bin", data, realTransferFs, [], checkpoints, 200 * 1024);
  await runTransfer(p, { bytesWritten: 0 });
  assert.ok(checkpoints.length > 5, `${checkpoints.length} checkpoints`);
  let last = 0;
  for (const c of checkpoints) {
    assert.ok(c.committed <= c.onDisk, `committed ${c.committed} ahead of ${c.onDisk} bytes on disk`);
    assert.ok(c.committed >= last, "never backwards within an attempt");
    last = c.committed;
  }
  assert.equal(last, data.length);
  assert.deepEqual(await readFile(p.destination), data);
});

test("after a failed write nothing more is written; the kept prefix is exact and the offset stored matches it", async () => {
  const data = randomBytes(4 * 1024 * 1024 + 99);
  let writes = 0;
  const fs: TransferFs = {
    writeBytes: WRITE_COALESCE_BYTES,
    async write(fh, chunk, position) {
      writes++;
      if (writes === 2) {
        await new Promise((r) => setTimeout(r, 30)); // later chunks arrive meanwhile
        throw Object.assign(new Error("ENOSPC: no space left on device, write"), { code: "ENOSPC" });
      }
      assert.ok(writes < 2, "no write after the failed one");
      await realTransferFs.write(fh, chunk, position);
    },
  };
  const checkpoints: Array<{ committed: number; onDisk: number }> = [];
  const p = params("enospc.bin", data, fs, [], checkpoints);
  const stats = { bytesWritten: 0 };
  await assert.rejects(runTransfer(p, stats), (e: unknown) => e instanceof DownloadError && e.code === "disk-full");
  assert.equal(writes, 2);
  const part = await readFile(p.partPath);
  assert.ok(part.length > 0 && part.length < data.length);
  assert.deepEqual(part, data.subarray(0, part.length), "the part holds exactly the file's prefix");
  assert.equal(stats.bytesWritten, part.length);
  assert.deepEqual(checkpoints.at(-1), { committed: part.length, onDisk: part.length });
});

test("a layer without writeBytes gets one write per chunk, still one in flight and in order", async () => {
  const data = randomBytes(1024 * 1024 + 5);
  const sizes: number[] = [];
  let inFlight = 0;
  const log: string[] = [];
  let readsDuringWrite = 0;
  const fs: TransferFs = {
    async write(fh, chunk, position) {
      assert.equal(++inFlight, 1, "at most one write in flight");
      sizes.push(chunk.length);
      const before = log.length;
      await new Promise((r) => setTimeout(r, 5));
      await realTransferFs.write(fh, chunk, position);
      if (log.length > before) readsDuringWrite++;
      inFlight--;
    },
  };
  const p = params("per-chunk.bin", data, fs, log, []);
  const result = await runTransfer(p, { bytesWritten: 0 });
  assert.equal(result.sha256, sha256(data));
  assert.equal(sizes.length, Math.ceil(data.length / CHUNK));
  assert.ok(readsDuringWrite > 0, "the network was read while a write was in flight");
  assert.deepEqual(await readFile(p.destination), data);
});

test("a resume hashes the kept prefix and appends coalesced writes at the right offset", async () => {
  const data = randomBytes(2 * 1024 * 1024 + 3);
  const checkpoints: Array<{ committed: number; onDisk: number }> = [];
  const first = params("resume.bin", data, realTransferFs, [], checkpoints, 256 * 1024);
  const ctl = new AbortController();
  let seen = 0;
  const hooks = {
    ...first.hooks,
    onCheckpoint: async (c: Checkpoint) => {
      await first.hooks.onCheckpoint(c);
      if (++seen === 2) ctl.abort(new DownloadError("shutdown", "stopped"));
    },
  };
  await assert.rejects(runTransfer({ ...first, hooks, signal: ctl.signal }, { bytesWritten: 0 }));
  const kept = checkpoints.at(-1)?.committed ?? 0;
  assert.ok(kept > 0 && kept < data.length, `kept ${kept}`);
  const result = await runTransfer({ ...first, check: { ...first.check, committed: kept } }, { bytesWritten: 0 });
  assert.equal(result.sha256, sha256(data));
  assert.deepEqual(await readFile(first.destination), data);
});
