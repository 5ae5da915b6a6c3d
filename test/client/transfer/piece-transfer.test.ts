/**
 * The transfer engine's per-piece check (client/transfer/piece-engine.ts) on real files with the real hashing
 * worker pool, fed by an in-process source: a bad piece is read again alone, a resume reads only
 * missing pieces, a part damaged on disk is caught before the rename, another file's bytes are
 * caught at the first piece, and the row never records a piece that is not fsync'ed.
 */
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { createHash, randomBytes } from "node:crypto";
import { open, readFile, stat } from "node:fs/promises";
import path from "node:path";
import { leafHashes, pieceLayer, rootFromLeaves, type HashFn } from "../../../common/pieces/tree.js";
import { DownloadError } from "../../../client/errors.js";
import { bitmapFromText, countPieces, emptyBitmap, type Bitmap } from "../../../client/pieces/bitmap.js";
import { createHashPool } from "../../../client/pieces/hash-pool.js";
import { realTransferFs } from "../../../client/transfer/part-file.js";
import {
  runTransfer as runPieceTransfer,
  type PieceCheck,
  type TransferHooks,
  type TransferOptions,
  type TransferSource,
  type TransferStats as PieceStats,
} from "../../../client/transfer/transfer.js";
import type { Chunk, OpenRead } from "../../../client/transfer/read-source.js";
import { tempDir } from "../../helpers/download-fixtures.js";

const sha256: HashFn = (d) => new Uint8Array(createHash("sha256").update(d).digest());
const P = 16 * 1024;
const pool = createHashPool({ threads: 2, inline: false }); // the worker path (the shared pool is inline on a 2-core machine)
let work: { dir: string; remove: () => Promise<void> };
before(async () => {
  work = await tempDir("peer-pieces-");
});
after(async () => {
  await pool.close();
  await work.remove();
});

interface Req {
  offset: number;
  length: number | undefined;
}

/** Serves `data` in 40 KiB chunks from the asked range; `tamper(req#, chunk)` may change bytes. */
function source(data: Buffer, log: Req[], tamper?: (n: number, chunk: Buffer, offset: number) => Buffer): OpenRead {
  return async (req) => {
    const n = log.length;
    log.push({ offset: req.offset, length: req.length });
    const end = req.length === undefined ? data.length : req.offset + req.length;
    async function* gen(): AsyncGenerator<Chunk> {
      for (let off = req.offset; off < end; off += 40 * 1024) {
        await new Promise((r) => setImmediate(r));
        let chunk: Buffer = Buffer.from(data.subarray(off, Math.min(end, off + 40 * 1024)));
        if (tamper !== undefined) chunk = tamper(n, chunk, off);
        yield { offset: off, data: chunk };
      }
    }
    return { meta: { size: data.length, etag: '"e"', sha256: undefined }, start: req.offset, body: gen() };
  };
}

interface Recorded {
  hooks: TransferHooks;
  banned: Array<{ url: string; reason: string }>;
  sourceFailures: Array<{ url: string; code: string; decision: string }>;
  failed: Array<{ index: number; source: string }>;
  checkpoints: Array<{ verified: Bitmap; partSize: number }>;
}

function recorder(partPath: string, count: number): Recorded {
  const failed: Recorded["failed"] = [];
  const checkpoints: Recorded["checkpoints"] = [];
  const banned: Recorded["banned"] = [];
  const sourceFailures: Recorded["sourceFailures"] = [];
  return {
    failed,
    checkpoints,
    banned,
    sourceFailures,
    hooks: {
      onValidated: async () => undefined,
      onPieceFailed: (index, src) => failed.push({ index, source: src }),
      onSourceBanned: async (run, reason) => {
        banned.push({ url: run.source.url, reason });
      },
      onSourceFailed: (run, error, decision) =>
        sourceFailures.push({ url: run.source.url, code: error.code, decision: decision.kind }),
      onBytes: () => undefined,
      onCheckpoint: async ({ verified }) => {
        checkpoints.push({ verified: bitmapFromText(verified ?? "", count), partSize: (await stat(partPath)).size });
      },
      onVerifying: async ({ verified }) => {
        checkpoints.push({ verified: bitmapFromText(verified ?? "", count), partSize: (await stat(partPath)).size });
      },
    },
  };
}

function params(
  name: string,
  data: Buffer,
  openRead: OpenRead | readonly TransferSource[],
  rec: Recorded,
  verified: Bitmap,
  signal = new AbortController().signal,
): TransferOptions & { check: PieceCheck } {
  const leaves = leafHashes(data, sha256);
  const sources: readonly TransferSource[] =
    typeof openRead === "function"
      ? [{ id: "s1", url: "test-source", kind: "peer", itemId: `share/${name}`, etag: '"e"', openRead }]
      : openRead;
  return {
    check: {
      kind: "pieces",
      size: data.length,
      etag: '"e"',
      root: rootFromLeaves(leaves, sha256),
      pieceLength: P,
      layer: pieceLayer(leaves, P, sha256),
      verified,
      recheck: () => true,
      sources,
      backoff: { baseMs: 10, capMs: 50, maxHintMs: 50 },
      pool,
    },
    partPath: path.join(work.dir, `${name}.part`),
    destination: path.join(work.dir, name),
    signal,
    idleTimeoutMs: 60_000,
    checkpointBytes: 4 * P,
    checkpointMs: 3_600_000,
    maxFileSize: 2 ** 40,
    fs: realTransferFs,
    now: () => Date.now(),
    hooks: rec.hooks,
  };
}

const count = (size: number) => Math.ceil(size / P);

test("pool: a piece's buffer goes to the worker and comes back unchanged (no copy kept)", async () => {
  const bytes = new Uint8Array(randomBytes(3 * P + 1));
  const copy = bytes.slice();
  const { piece } = await pool.pieceNode(bytes, 4 * P, false);
  assert.equal(bytes.byteLength, 0, "transferred (detached) while hashing");
  assert.deepEqual(Buffer.from(piece), Buffer.from(copy));
  await assert.rejects(pool.pieceNode(copy.subarray(1), P, false), TypeError);
});

test("a byte flipped in one piece → that piece alone is read again; the file is right", async () => {
  const data = randomBytes(40 * P + 123);
  const log: Req[] = [];
  const bad = 17 * P + 5;
  const rec = recorder(path.join(work.dir, "flip.bin.part"), count(data.length));
  const open = source(data, log, (n, chunk, off) => {
    if (n === 0 && bad >= off && bad < off + chunk.length) chunk[bad - off] = (chunk[bad - off] ?? 0) ^ 0xff;
    return chunk;
  });
  const p = params("flip.bin", data, open, rec, emptyBitmap(count(data.length)));
  await runPieceTransfer(p, { bytesWritten: 0 });
  assert.deepEqual(await readFile(p.destination), data);
  assert.deepEqual(rec.failed, [{ index: 17, source: "test-source" }]);
  assert.deepEqual(log, [
    { offset: 0, length: data.length },
    { offset: 17 * P, length: P },
  ]);
  for (const c of rec.checkpoints) assert.ok(c.partSize >= c.verified.count * 0, "recorded");
});

test("a resume reads only the missing pieces; recorded pieces are re-checked from disk, never read again", async () => {
  const data = randomBytes(30 * P + 9);
  const n = count(data.length);
  const part = path.join(work.dir, "resume.bin.part");
  const rec1 = recorder(part, n);
  const ctl = new AbortController();
  // Stop after the second checkpoint (deterministic on a slow machine: pieces are on record).
  let seen = 0;
  const onCheckpoint = rec1.hooks.onCheckpoint;
  rec1.hooks.onCheckpoint = async (at) => {
    await onCheckpoint(at);
    seen += 1;
    if (seen === 2) ctl.abort(new DownloadError("shutdown", "stopped"));
  };
  const stats: PieceStats = { bytesWritten: 0 };
  await assert.rejects(
    runPieceTransfer(params("resume.bin", data, source(data, []), rec1, emptyBitmap(n), ctl.signal), stats),
  );
  const kept = stats.verified!;
  assert.ok(countPieces(kept) > 0 && countPieces(kept) < n, `kept ${countPieces(kept)} pieces`);
  for (const c of rec1.checkpoints) {
    for (let i = 0; i < n; i++) {
      if (c.verified.bytes[i >> 3]! & (0x80 >> (i & 7)))
        assert.ok((i + 1) * P <= c.partSize || i === n - 1, `piece ${i} recorded beyond the part`);
    }
  }
  const log: Req[] = [];
  const rec2 = recorder(part, n);
  await runPieceTransfer(params("resume.bin", data, source(data, log), rec2, kept), { bytesWritten: 0 });
  assert.deepEqual(await readFile(path.join(work.dir, "resume.bin")), data);
  let firstMissing = 0;
  while (kept.bytes[firstMissing >> 3]! & (0x80 >> (firstMissing & 7))) firstMissing++;
  assert.ok(log.length >= 1 && log.every((r) => r.offset >= firstMissing * P), JSON.stringify(log));
  assert.deepEqual(rec2.failed, []);
});

test("a part damaged on disk after a crash (bitmap says verified) is caught before completion and the piece read again", async () => {
  const data = randomBytes(20 * P + 1);
  const n = count(data.length);
  const name = "damaged.bin";
  const part = path.join(work.dir, `${name}.part`);
  // A complete first run up to the rename, simulated: all pieces written and recorded.
  const fh = await open(part, "w+");
  await fh.write(data, 0, data.length, 0);
  const damaged = 9 * P + 100;
  await fh.write(Buffer.from([data[damaged]! ^ 0x55]), 0, 1, damaged);
  await fh.close();
  const all = emptyBitmap(n);
  all.bytes.fill(0xff);
  all.bytes[all.bytes.length - 1] = 0xff << (all.bytes.length * 8 - n);
  const log: Req[] = [];
  const rec = recorder(part, n);
  await runPieceTransfer(params(name, data, source(data, log), rec, all), { bytesWritten: 0 });
  assert.deepEqual(await readFile(path.join(work.dir, name)), data);
  assert.deepEqual(rec.failed, [{ index: 9, source: "disk" }]);
  assert.deepEqual(log, [{ offset: 9 * P, length: P }], "only the damaged piece was read");
});

test("another file's bytes under the same id after validation → caught at the first piece", async () => {
  const data = randomBytes(12 * P);
  const other = randomBytes(12 * P);
  const log: Req[] = [];
  const rec = recorder(path.join(work.dir, "swap.bin.part"), 12);
  const p = params("swap.bin", data, source(other, log), rec, emptyBitmap(12));
  await assert.rejects(
    runPieceTransfer(p, { bytesWritten: 0 }),
    (e: unknown) => e instanceof DownloadError && e.code === "bad-pieces",
  );
  assert.equal(rec.failed[0]?.index, 0, "the first piece is the first failure");
  assert.ok(rec.failed.length <= 4, `${rec.failed.length} pieces failed before the attempt stopped`);
  assert.equal((await stat(p.partPath)).size, 0, "nothing of the other file was written");
});

// Several sources (docs/downloads.md "Sources"): in-memory sources here; real peers,
// proxies and mirrors in test/e2e/download-sources.test.ts.

function peerSource(name: string, url: string, open: OpenRead): TransferSource {
  return { id: url, url, kind: "peer", itemId: `share/${name}`, etag: '"e"', openRead: open };
}

/** A source that waits `delayMs` before each chunk. */
function slow(data: Buffer, log: Req[], delayMs: number): OpenRead {
  const inner = source(data, log);
  return async (req) => {
    const read = await inner(req);
    const body = read.body;
    return {
      ...read,
      body: {
        async next() {
          await new Promise((r) => setTimeout(r, delayMs));
          return body.next();
        },
        return: body.return?.bind(body),
      },
    };
  };
}

test("three sources, one flipping a byte in every range → banned; the others finish; the file is right", async () => {
  const name = "three.bin";
  const data = randomBytes(300 * P + 77);
  const logs: Req[][] = [[], [], []];
  const flipper = source(data, logs[2] as Req[], (_n, chunk) => {
    chunk[0] = (chunk[0] ?? 0) ^ 0x01;
    return chunk;
  });
  const sources = [
    peerSource(name, "http://a", source(data, logs[0] as Req[])),
    peerSource(name, "http://b", source(data, logs[1] as Req[])),
    peerSource(name, "http://bad", flipper),
  ];
  const rec = recorder(path.join(work.dir, `${name}.part`), count(data.length));
  const stats: PieceStats = { bytesWritten: 0 };
  await runPieceTransfer(params(name, data, sources, rec, emptyBitmap(count(data.length))), stats);
  assert.deepEqual(await readFile(path.join(work.dir, name)), data);
  assert.deepEqual(
    rec.banned.map((b) => b.url),
    ["http://bad"],
  );
  assert.ok(rec.failed.every((f) => f.source === "http://bad"));
  assert.equal(logs[2]?.length, 1, "the banned source was not asked again");
  const byUrl = new Map(stats.sources?.map((r) => [r.source.url, r]));
  assert.equal(byUrl.get("http://bad")?.state, "banned");
  assert.equal((byUrl.get("http://a")?.bytes ?? 0) + (byUrl.get("http://b")?.bytes ?? 0), data.length);
  assert.ok((byUrl.get("http://a")?.bytes ?? 0) > 0 && (byUrl.get("http://b")?.bytes ?? 0) > 0, "both delivered");
});

test("a source whose reads fail backs off while the other finishes the file", async () => {
  const name = "flaky.bin";
  const data = randomBytes(200 * P + 5);
  const log: Req[] = [];
  let calls = 0;
  const failing: OpenRead = async () => {
    calls++;
    throw Object.assign(new Error("connect ECONNREFUSED 127.0.0.1:1"), { code: "ECONNREFUSED" });
  };
  const sources = [peerSource(name, "http://down", failing), peerSource(name, "http://up", source(data, log))];
  const rec = recorder(path.join(work.dir, `${name}.part`), count(data.length));
  await runPieceTransfer(params(name, data, sources, rec, emptyBitmap(count(data.length))), { bytesWritten: 0 });
  assert.deepEqual(await readFile(path.join(work.dir, name)), data);
  assert.ok(calls >= 1);
  assert.ok(rec.sourceFailures.length >= 1);
  assert.ok(rec.sourceFailures.every((f) => f.url === "http://down" && f.code === "network"));
  assert.ok(rec.sourceFailures.every((f) => f.decision === "backoff" || f.decision === "drop"));
  assert.deepEqual(rec.banned, []);
});

test("endgame: the last pieces a slow source holds are read again from a fast one, and the slow read is cancelled", async () => {
  const name = "endgame.bin";
  const data = randomBytes(64 * P);
  const fastLog: Req[] = [];
  const slowLog: Req[] = [];
  const sources = [
    peerSource(name, "http://slow", slow(data, slowLog, 40)),
    peerSource(name, "http://fast", source(data, fastLog)),
  ];
  const rec = recorder(path.join(work.dir, `${name}.part`), 64);
  const stats: PieceStats = { bytesWritten: 0 };
  await runPieceTransfer(params(name, data, sources, rec, emptyBitmap(64)), stats);
  assert.deepEqual(await readFile(path.join(work.dir, name)), data);
  const slowRun = stats.sources?.find((r) => r.source.url === "http://slow");
  const fastRun = stats.sources?.find((r) => r.source.url === "http://fast");
  assert.ok((fastRun?.bytes ?? 0) > (slowRun?.bytes ?? 0), "the fast source delivered more");
  const slowFirst = slowLog[0];
  assert.ok(slowFirst !== undefined && slowFirst.length !== undefined);
  const slowPieces = new Set<number>();
  for (let i = slowFirst.offset / P; i < (slowFirst.offset + slowFirst.length) / P; i++) slowPieces.add(i);
  const duplicated = fastLog.some((r) => slowPieces.has(r.offset / P));
  assert.ok(duplicated, "a piece of the slow source's range was asked of the fast one");
});
