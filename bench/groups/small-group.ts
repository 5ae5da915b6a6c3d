/**
 * Group 6: many small files. 1,000 files of 64 KiB queued at once in the engine
 * with concurrency 8, against one file of the same total size through the same
 * engine: files per second, and the overhead of going file by file.
 */
import path from "node:path";
import { rm } from "node:fs/promises";
import { bigFileName, itemId, type BenchContext } from "../context.js";
import { runInterleaved, type ThroughputTarget } from "../interleave.js";
import type { GroupResult, MetricResult } from "../model.js";
import { formatSize } from "../options.js";
import { waitForDigests } from "../peer-ready.js";
import { meetsGoal, median, type Goal } from "../stats.js";
import { summarizeThroughput } from "../summarize.js";

const FILES_PER_SECOND_GOAL: Goal = { op: ">=", threshold: 200 }; // issue 11 (issue 6 asked 50)

/** Runs group 6. */
export async function runSmallGroup(ctx: BenchContext): Promise<GroupResult> {
  const { smallFiles, smallFileSize, smallConcurrency, quick } = ctx.options;
  const total = smallFiles * smallFileSize;
  const names = await ctx.files.ensureSmall(`small-${smallFileSize}`, smallFiles, smallFileSize);
  const one = await ctx.files.ensure(bigFileName(total), total);
  const [peer, worker] = await Promise.all([ctx.pool.peer(), ctx.pool.worker()]);
  const probe = await worker.probe();
  const notes: string[] = [];
  const unavailable = !peer.ok ? peer.reason : probe.engine;
  const url = peer.ok ? peer.value.info.url : "";
  const key = peer.ok ? peer.value.info.key : "";
  if (peer.ok) {
    const note = await waitForDigests(url, key, [itemId(one)], quick ? 15_000 : 60_000);
    if (note) notes.push(note);
  }
  const outRoot = path.join(path.dirname(ctx.files.root), "small-out");
  const task = (ids: string[], dir: string) => ({
    kind: "engine-download" as const,
    baseUrl: url,
    apiKey: key,
    transport: "connect" as const,
    itemIds: ids,
    destDir: path.join(outRoot, dir),
    stateDir: path.join(outRoot, `${dir}-state`),
    concurrency: smallConcurrency,
    expectedBytes: total,
  });
  const targets: ThroughputTarget[] = [
    {
      group: "small",
      id: "small.one",
      label: `engine, one ${formatSize(total)} file`,
      unavailable,
      serverPid: peer.ok ? peer.value.pid : undefined,
      run: () => worker.run(task([itemId(one)], "one")),
    },
    {
      group: "small",
      id: "small.many",
      label: `**engine, ${smallFiles} × ${formatSize(smallFileSize)} files**, concurrency ${smallConcurrency}`,
      unavailable,
      serverPid: peer.ok ? peer.value.pid : undefined,
      run: () => worker.run(task(names.map(itemId), "many")),
      compare: [{ baseId: "small.one", baseLabel: "one file" }],
    },
  ];
  const samples = quick ? 1 : Math.min(ctx.options.samples, 3);
  try {
    const raw = await runInterleaved(targets, {
      samples,
      warmup: quick ? 0 : 1,
      log: ctx.log,
      onHarnessFailure: ctx.harnessError,
    });
    const many = raw.find((t) => t.id === "small.many");
    const single = raw.find((t) => t.id === "small.one");
    const manySeconds = median(many?.samples.map((s) => s.seconds) ?? []);
    const oneSeconds = median(single?.samples.map((s) => s.seconds) ?? []);
    const filesPerSecond = smallFiles / manySeconds;
    const base = { group: "small" as const };
    const status = many?.status ?? "unavailable";
    const metrics: MetricResult[] = [
      {
        ...base,
        id: "small.files-per-second",
        label: `${smallFiles} queued ${formatSize(smallFileSize)} files at concurrency ${smallConcurrency}`,
        status,
        reason: many?.reason,
        value: filesPerSecond,
        unit: "files/s",
        goal: FILES_PER_SECOND_GOAL,
        met: meetsGoal(filesPerSecond, FILES_PER_SECOND_GOAL),
      },
      {
        ...base,
        id: "small.overhead",
        label: `time for the ${smallFiles} files ÷ time for one ${formatSize(total)} file`,
        status:
          status === "ok" && single?.status === "ok" ? "ok" : status === "ok" ? (single?.status ?? "failed") : status,
        reason: many?.reason ?? single?.reason,
        value: manySeconds / oneSeconds,
        unit: "×",
        detail: { manySeconds, oneSeconds },
      },
    ];
    return {
      group: "small",
      title: "6. Many small files",
      description: `${smallFiles} files of ${formatSize(smallFileSize)} enqueued one after another into one fresh manager (concurrency ${smallConcurrency}, per-peer ${smallConcurrency}) and awaited, over ReadFile (Connect h1); the single file goes through the same engine. ${samples} sample(s) each, interleaved${quick ? "" : ", after a warm-up"}.`,
      throughput: summarizeThroughput(raw),
      metrics,
      notes,
    };
  } finally {
    await rm(outRoot, { recursive: true, force: true });
  }
}
