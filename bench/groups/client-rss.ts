/**
 * Group 4 (b): peak RSS of the client process during one big download through
 * the engine, in a fresh worker process per transport.
 */
import path from "node:path";
import { rm } from "node:fs/promises";
import { bigFileName, itemId, type BenchContext } from "../context.js";
import { processMemory, sampleRss } from "../cpu.js";
import type { MetricResult } from "../model.js";
import { formatSize } from "../options.js";
import { waitForDigests } from "../peer-ready.js";
import { meetsGoal, type Goal } from "../stats.js";

/** Issue 20: the engine's working set bounded and V8's young generation held down (docs/performance.md "Client memory"). */
const CLIENT_RSS_GOAL: Goal = { op: "<=", threshold: 64 };

/** Measures client RSS during a big engine download over RPC and over HTTP. */
export async function measureClientRss(ctx: BenchContext): Promise<MetricResult[]> {
  const size = ctx.options.bigDownloadSize;
  const name = await ctx.files.ensure(bigFileName(size), size);
  const id = itemId(name);
  const peer = await ctx.pool.peer();
  const out: MetricResult[] = [];
  const outRoot = path.join(path.dirname(ctx.files.root), "rss-out");
  for (const transport of ["connect", "http"] as const) {
    const base = {
      group: "memory" as const,
      id: `memory.client.${transport}`,
      label: `client peak RSS, engine downloading ${formatSize(size)} over ${transport === "http" ? "the HTTP route" : "ReadFile (Connect h1)"}`,
      unit: "MiB",
      goal: CLIENT_RSS_GOAL,
    };
    if (!peer.ok) {
      out.push({ ...base, status: "unavailable", reason: peer.reason, value: Number.NaN });
      continue;
    }
    // --quick reuses the pool's worker (no process start-up); full runs measure a fresh process.
    const worker = ctx.options.quick ? await ctx.pool.worker() : await ctx.pool.fresh.worker();
    try {
      const probe = await worker.probe();
      if (probe.engine !== undefined) {
        out.push({ ...base, status: "unavailable", reason: probe.engine, value: Number.NaN });
        continue;
      }
      const note = await waitForDigests(
        peer.value.info.url,
        peer.value.info.key,
        [id],
        ctx.options.quick ? 15_000 : 180_000,
      );
      if (note) ctx.log(`  ${note}`);
      const before = processMemory(worker.pid)?.rss ?? Number.NaN;
      const sampler = sampleRss(worker.pid, 50);
      const r = await worker.run({
        kind: "engine-download",
        baseUrl: peer.value.info.url,
        apiKey: peer.value.info.key,
        transport,
        itemIds: [id],
        destDir: path.join(outRoot, transport),
        stateDir: path.join(outRoot, `${transport}-state`),
        concurrency: 1,
        expectedBytes: size,
      });
      const peak = sampler.stop() / 1048576;
      ctx.log(
        `  client RSS over ${transport}: ${(before / 1048576).toFixed(0)} MiB idle → peak ${peak.toFixed(0)} MiB (${(size / 1048576 / r.seconds).toFixed(0)} MiB/s)`,
      );
      out.push({
        ...base,
        status: "ok",
        value: peak,
        met: meetsGoal(peak, CLIENT_RSS_GOAL),
        detail: { idleMiB: before / 1048576, mibPerSecond: size / 1048576 / r.seconds },
      });
    } catch (err) {
      out.push({ ...base, status: "failed", reason: (err as Error).message, value: Number.NaN });
    } finally {
      if (!ctx.options.quick) await worker.stop();
      await rm(outRoot, { recursive: true, force: true });
    }
  }
  return out;
}
