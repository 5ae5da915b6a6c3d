/**
 * Group 1: the HTTP route read by `curl -o /dev/null`, whole file and first
 * N MiB, against nginx (sendfile) and the minimal Node pipeline server.
 */
import { bigFileName, itemId, type BenchContext } from "../context.js";
import { sampleRss } from "../cpu.js";
import { runCurl } from "../curl.js";
import { runInterleaved, type ThroughputTarget } from "../interleave.js";
import type { GroupResult, MetricResult } from "../model.js";
import { formatSize } from "../options.js";
import { waitForDigests } from "../peer-ready.js";
import { meetsGoal, type Goal } from "../stats.js";
import { summarizeThroughput } from "../summarize.js";

/** Read size of the pipeline baseline: 2 MiB reads came within ≈ 0.94× nginx (docs/connect-notes.md). */
export const PIPELINE_HIGH_WATER_MARK = 2 * 1048576;

const FULL_GOAL: Goal = { op: ">=", threshold: 0.9 };
const RANGED_GOAL: Goal = { op: ">=", threshold: 0.8 };
const RSS_GOAL: Goal = { op: "<=", threshold: 100 };

/** Runs group 1. */
export async function runHttpGroup(ctx: BenchContext): Promise<GroupResult> {
  const { size, rangeSize } = ctx.options;
  const name = await ctx.files.ensure(bigFileName(size), size);
  const [nginx, pipeline, peer] = await Promise.all([
    ctx.pool.nginx(),
    ctx.pool.pipeline(PIPELINE_HIGH_WATER_MARK),
    ctx.pool.peer(),
  ]);
  const notes: string[] = [];
  if (!nginx.ok) notes.push(nginx.reason);
  if (peer.ok) {
    const note = await waitForDigests(
      peer.value.info.url,
      peer.value.info.key,
      [itemId(name)],
      ctx.options.quick ? 15_000 : 120_000,
    );
    if (note) notes.push(note);
  }
  const range = `0-${rangeSize - 1}`;
  const base = nginx.ok ? { id: "nginx", label: "nginx" } : { id: "pipeline", label: "Node pipeline" };
  const targets: ThroughputTarget[] = [];
  for (const kind of ["full", "ranged"] as const) {
    const expectedBytes = kind === "full" ? size : rangeSize;
    const r = kind === "ranged" ? range : undefined;
    const what = kind === "full" ? `${formatSize(size)}` : `first ${formatSize(rangeSize)}`;
    const baseId = `http.${kind}.${base.id}`;
    targets.push({
      group: "http",
      id: `http.${kind}.nginx`,
      label: `nginx sendfile → curl, ${what}`,
      unavailable: nginx.ok ? undefined : nginx.reason,
      unavailableStatus: "skipped",
      serverPid: nginx.ok ? nginx.value.pid : undefined,
      run: () => runCurl(`${nginx.ok ? nginx.value.url : ""}/${name}`, { range: r, expectedBytes }),
    });
    targets.push({
      group: "http",
      id: `http.${kind}.pipeline`,
      label: `Node pipeline (2 MiB reads) → curl, ${what}`,
      unavailable: pipeline.ok ? undefined : pipeline.reason,
      serverPid: pipeline.ok ? pipeline.value.pid : undefined,
      harnessOwned: true,
      run: () => runCurl(`${pipeline.ok ? pipeline.value.info.url : ""}/${name}`, { range: r, expectedBytes }),
      compare: nginx.ok ? [{ baseId, baseLabel: base.label }] : undefined,
    });
    targets.push({
      group: "http",
      id: `http.${kind}.peer`,
      label: `**peer HTTP route** → curl, ${what}`,
      unavailable: peer.ok ? undefined : peer.reason,
      serverPid: peer.ok ? peer.value.pid : undefined,
      run: () =>
        runCurl(`${peer.ok ? peer.value.info.url : ""}/v1/files/${itemId(name)}`, {
          range: r,
          expectedBytes,
          headers: [`Authorization: Bearer ${peer.ok ? peer.value.info.key : ""}`],
        }),
      compare: [
        {
          baseId,
          baseLabel: base.label,
          goal: base.id === "nginx" ? (kind === "full" ? FULL_GOAL : RANGED_GOAL) : undefined,
        },
      ],
    });
  }
  const rss = peer.ok ? sampleRss(peer.value.pid) : undefined;
  const raw = await runInterleaved(targets, {
    samples: ctx.options.samples,
    log: ctx.log,
    onHarnessFailure: ctx.harnessError,
  });
  const peakRss = rss?.stop() ?? Number.NaN;
  const metrics: MetricResult[] = [];
  const peerRan = raw.some((t) => t.id.endsWith(".peer") && t.status === "ok");
  const value = peakRss / 1048576;
  metrics.push({
    group: "http",
    id: "http.peer.rss",
    label: "peer server peak RSS while serving this group",
    status: peer.ok && peerRan ? "ok" : "unavailable",
    reason: peer.ok ? (peerRan ? undefined : "the HTTP route did not serve") : peer.reason,
    value,
    unit: "MiB",
    goal: RSS_GOAL,
    met: meetsGoal(value, RSS_GOAL),
  });
  return {
    group: "http",
    title: "1. HTTP route → curl -o /dev/null",
    description: `One ${formatSize(size)} random file, page cache warm, whole and ranged (\`curl -r ${range}\`); targets interleaved, ${ctx.options.samples} samples each after a warm-up.`,
    throughput: summarizeThroughput(raw),
    metrics,
    notes,
  };
}
