/**
 * The transfer engine's SHA-256 check (client/transfer/sha256-read.ts) on real files: a peer
 * that ignores the range restarts the part on the same body, and bytes that do not match
 * the peer's digest are discarded (the part truncated, the row told 0) before any rename.
 */
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { readFile, stat, writeFile } from "node:fs/promises";
import path from "node:path";
import { DownloadError } from "../../../client/errors.js";
import { realTransferFs } from "../../../client/transfer/part-file.js";
import type { Chunk, OpenRead } from "../../../client/transfer/read-source.js";
import { runTransfer, type Checkpoint, type TransferOptions } from "../../../client/transfer/transfer.js";
import { sha256, tempDir } from "../../helpers/download-fixtures.js";

let work: { dir: string; remove: () => Promise<void> };
before(async () => {
  work = await tempDir("peer-sha256-");
});
after(async () => {
  await work.remove();
});

/** Serves `data` from byte `from(req.offset)` in 64 KiB chunks, claiming `digest`. */
function source(data: Buffer, digest: string, from: (offset: number) => number): OpenRead {
  return async (req) => {
    const start = from(req.offset);
    async function* gen(): AsyncGenerator<Chunk> {
      for (let off = start; off < data.length; off += 65536) {
        yield { offset: off, data: Buffer.from(data.subarray(off, Math.min(off + 65536, data.length))) };
      }
    }
    return { meta: { size: data.length, etag: '"e"', sha256: digest }, start, body: gen() };
  };
}

function options(name: string, data: Buffer, openRead: OpenRead, committed: number, log: string[]): TransferOptions {
  const record = (what: string) => async (at: Checkpoint) => {
    log.push(`${what} ${at.committed} ${at.verified}`);
  };
  return {
    partPath: path.join(work.dir, `${name}.part`),
    destination: path.join(work.dir, name),
    signal: new AbortController().signal,
    idleTimeoutMs: 60_000,
    checkpointBytes: 2 ** 40,
    checkpointMs: 3_600_000,
    maxFileSize: 2 ** 40,
    fs: realTransferFs,
    now: () => Date.now(),
    hooks: {
      onValidated: async (_meta, resumeFrom) => {
        log.push(`validated ${resumeFrom}`);
      },
      onRestart: async (reason) => {
        log.push(`restart ${reason}`);
      },
      onBytes: () => undefined,
      onCheckpoint: record("checkpoint"),
      onVerifying: record("verifying"),
    },
    check: {
      kind: "sha256",
      itemId: `share/${name}`,
      expected: { size: data.length, etag: '"e"', sha256: null },
      committed,
      openRead,
    },
  };
}

test("a resume answered from byte 0 (the range ignored) restarts on that body; the file is right", async () => {
  const data = randomBytes(300_000);
  const log: string[] = [];
  const o = options(
    "restart.bin",
    data,
    source(data, sha256(data), () => 0),
    100_000,
    log,
  );
  // The kept prefix holds other bytes: they must not survive the restart.
  await writeFile(o.partPath, randomBytes(100_000));
  const result = await runTransfer(o, { bytesWritten: 0 });
  assert.deepEqual(await readFile(o.destination), data);
  assert.equal(result.sha256, sha256(data));
  assert.equal(result.digestVerified, true);
  assert.deepEqual(log, [
    "restart the peer sent the whole file instead of the range asked",
    "validated 0",
    `verifying ${data.length} null`,
  ]);
});

test("bytes that do not match the peer's digest are discarded before the rename", async () => {
  const data = randomBytes(200_000);
  const log: string[] = [];
  const o = options(
    "mismatch.bin",
    data,
    source(data, "0".repeat(64), (off) => off),
    0,
    log,
  );
  await assert.rejects(
    runTransfer(o, { bytesWritten: 0 }),
    (e: unknown) => e instanceof DownloadError && e.code === "digest-mismatch",
  );
  assert.equal((await stat(o.partPath)).size, 0, "the part was truncated");
  await assert.rejects(stat(o.destination), "nothing was put in place");
  assert.deepEqual(log, ["validated 0", `verifying ${data.length} null`, "checkpoint 0 null"]);
});
