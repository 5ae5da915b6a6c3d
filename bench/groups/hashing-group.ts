/**
 * Group "hashing": the server's background pass over one big file, in its
 * hash worker thread (server/digest/hash-worker-pool.ts), with the BEP 52
 * tree (16 KiB SHA-256 leaves, piece layer, root) and the whole-file SHA-256
 * together, against SHA-256 alone — interleaved in the same run. CPU is the
 * whole bench process (worker threads included) from /proc: CPU s/GiB for
 * each, and the ratio tree+SHA-256 ÷ SHA-256 (docs/pieces.md).
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

/** Runs the hashing group. */
export async function runHashingGroup(ctx: BenchContext): Promise<GroupResult> {
  const { size } = ctx.options;
  const name = await ctx.files.ensure(bigFileName(size), size);
  const catalog = createDirCatalog([{ name: "bench", dir: ctx.files.root }]);
  const entry = await catalog.stat(`bench/${name}`);
  if (entry === undefined) throw new Error(`bench file ${path.join(ctx.files.root, name)} is missing`);
  const pool = createHashWorkerPool({ size: 1 });
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
      title: "Server background hashing: BEP 52 tree + SHA-256 vs SHA-256 alone",
      description:
        `One ${formatSize(size)} file hashed in the server's hash worker thread, interleaved: SHA-256 alone, ` +
        "then SHA-256 and the BEP 52 tree from the same reads. The server CPU column is the bench process (worker included).",
      throughput,
      metrics,
      notes: [],
    };
  } finally {
    await pool.close();
  }
}
