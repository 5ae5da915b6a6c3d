/**
 * Group "hashing": the one hash pool (common/hash/hash-pool.ts). The server's
 * background pass over one big file in a hash worker thread
 * (server/digest/hash-worker-pool.ts), with the BEP 52 tree (16 KiB SHA-256
 * leaves, piece layer, root) and the whole-file SHA-256 together, against
 * SHA-256 alone; and the client's piece checks (client/pieces/hash-pool.ts):
 * the same bytes as 512 KiB pieces in memory, each transferred to a worker and
 * back, a few in flight as the piece engine keeps them — interleaved in the
 * same run. CPU is the whole bench process (worker threads included) from
 * /proc: CPU s/GiB for each, and the ratio tree+SHA-256 ÷ SHA-256 (docs/pieces.md).
 */
import path from "node:path";
import { bigFileName, type BenchContext } from "../context.js";
import { runInterleaved, type ThroughputTarget } from "../interleave.js";
import type { GroupResult, MetricResult } from "../model.js";
import { formatSize } from "../options.js";
import { ratio } from "../stats.js";
import { summarizeThroughput } from "../summarize.js";
import { createDirCatalog } from "../../server/catalog/dir-catalog.js";
import { createHashWorkerPool } from "../../server/digest/hash-worker-pool.js";
import { pieceLengthFor } from "../../common/pieces/tree.js";
import { createHashPool } from "../../client/pieces/hash-pool.js";

/** Piece length of the client pass: the engine's for a file of 1 GiB (pieceLengthFor). */
const CLIENT_PIECE_BYTES = 512 * 1024;
/** Pieces in flight in the client pass (the engine hashes while the next pieces arrive). */
const CLIENT_IN_FLIGHT = 4;

/** Hashes `size` bytes as pieces in memory through `pool`, `CLIENT_IN_FLIGHT` at a time; buffers reused. */
async function hashPieces(pool: ReturnType<typeof createHashPool>, size: number): Promise<void> {
  const free: Uint8Array[] = [];
  for (let i = 0; i < CLIENT_IN_FLIGHT; i++) free.push(new Uint8Array(CLIENT_PIECE_BYTES).fill(i + 1));
  let next = 0;
  const lane = async (): Promise<void> => {
    for (;;) {
      const offset = next;
      if (offset >= size) return;
      next += CLIENT_PIECE_BYTES;
      const piece = free.pop() as Uint8Array;
      const { piece: back } = await pool.pieceNode(piece, CLIENT_PIECE_BYTES, false);
      free.push(back);
    }
  };
  await Promise.all(Array.from({ length: CLIENT_IN_FLIGHT }, lane));
}

/** Runs the hashing group. */
export async function runHashingGroup(ctx: BenchContext): Promise<GroupResult> {
  const { size } = ctx.options;
  const name = await ctx.files.ensure(bigFileName(size), size);
  const catalog = createDirCatalog([{ name: "bench", dir: ctx.files.root }]);
  const entry = await catalog.stat(`bench/${name}`);
  if (entry === undefined) throw new Error(`bench file ${path.join(ctx.files.root, name)} is missing`);
  const pool = createHashWorkerPool({ size: 1 });
  const clientPool = createHashPool();
  const pass = (sha256Only: boolean) => async () => {
    const t0 = process.hrtime.bigint();
    await pool.run(entry, { sha256Only });
    return { seconds: Number(process.hrtime.bigint() - t0) / 1e9, bytes: size };
  };
  const targets: ThroughputTarget[] = [
    {
      group: "hashing",
      id: "hashing.sha256",
      label: `SHA-256 alone (worker thread, ${formatSize(size)}, 1 MiB reads)`,
      serverPid: process.pid,
      run: pass(true),
      harnessOwned: true,
    },
    {
      group: "hashing",
      id: "hashing.tree",
      label: `**SHA-256 + BEP 52 tree** (16 KiB leaves, ${formatSize(pieceLengthFor(size))} pieces)`,
      serverPid: process.pid,
      run: pass(false),
      compare: [{ baseId: "hashing.sha256", baseLabel: "SHA-256 alone" }],
    },
    {
      group: "hashing",
      id: "hashing.client-pieces",
      label: `client piece checks: ${formatSize(size)} as ${formatSize(CLIENT_PIECE_BYTES)} pieces in memory, transferred to the pool's workers`,
      serverPid: process.pid,
      run: async () => {
        const t0 = process.hrtime.bigint();
        await hashPieces(clientPool, size);
        return { seconds: Number(process.hrtime.bigint() - t0) / 1e9, bytes: size };
      },
      compare: [{ baseId: "hashing.sha256", baseLabel: "SHA-256 alone" }],
    },
  ];
  try {
    // One untimed round even with --quick: the first task starts the worker (tsx compiles its modules).
    const raw = await runInterleaved(targets, {
      samples: ctx.options.samples,
      warmup: 1,
      log: ctx.log,
      onHarnessFailure: ctx.harnessError,
    });
    const throughput = summarizeThroughput(raw);
    const alone = throughput.find((t) => t.id === "hashing.sha256");
    const tree = throughput.find((t) => t.id === "hashing.tree");
    const cpuRatio = ratio(tree?.serverCpuPerGiB ?? Number.NaN, alone?.serverCpuPerGiB ?? Number.NaN);
    const metrics: MetricResult[] = [
      {
        group: "hashing",
        id: "hashing.cpu-ratio",
        label: "CPU s/GiB of SHA-256 + tree ÷ SHA-256 alone (same run)",
        status: tree?.status === "ok" && alone?.status === "ok" ? "ok" : "failed",
        value: cpuRatio,
        unit: "×",
        detail: {
          treeCpuSecondsPerGiB: tree?.serverCpuPerGiB ?? Number.NaN,
          sha256CpuSecondsPerGiB: alone?.serverCpuPerGiB ?? Number.NaN,
          fileBytes: size,
          pieceLength: pieceLengthFor(size),
        },
      },
    ];
    return {
      group: "hashing",
      title:
        "The hash pool: server background hashing (BEP 52 tree + SHA-256 vs SHA-256 alone) and client piece checks",
      description:
        `One ${formatSize(size)} file hashed in the server's hash worker thread, interleaved: SHA-256 alone, ` +
        "then SHA-256 and the BEP 52 tree from the same reads, then the client's piece checks of the same amount of bytes held in memory. " +
        "The server CPU column is the bench process (workers included).",
      throughput,
      metrics,
      notes: [],
    };
  } finally {
    await Promise.all([pool.close(), clientPool.close()]);
  }
}
