/**
 * Group 4: memory. (a) Server RSS growth while 32 clients hold a read of a
 * 256 MiB file open and stop reading (fresh server per target, after one warm
 * read). (b) Client RSS during one big download through the engine.
 */
import { bigFileName, itemId, type BenchContext } from "../context.js";
import { processMemory, sampleRss } from "../cpu.js";
import { runCurl } from "../curl.js";
import type { GroupResult, MetricResult } from "../model.js";
import { formatSize } from "../options.js";
import { waitForDigests } from "../peer-ready.js";
import type { Started } from "../server-pool.js";
import { meetsGoal, type Goal } from "../stats.js";
import { connectReadFileRequest, httpGetRequest, openStalledReaders } from "../stalled-readers.js";
import { PIPELINE_HIGH_WATER_MARK } from "./http-group.js";
import { measureClientRss } from "./client-rss.js";

const SERVER_GROWTH_GOAL: Goal = { op: "<=", threshold: 64 };

interface StallTarget {
  readonly id: string;
  readonly label: string;
  readonly goal?: Goal;
  readonly harnessOwned?: boolean;
  /** Starts a fresh server; returns pid, port, request bytes, a warm-up URL + headers, and stop. */
  start(): Promise<
    Started<{
      pid: number;
      port: number;
      request: Buffer;
      warmUrl: string;
      headers: string[];
      stop(): Promise<void>;
      gc?: () => Promise<boolean>;
    }>
  >;
}

/** What the pool hands back for a harness-owned Connect server child. */
interface ConnectChild {
  readonly pid: number;
  readonly info: { readonly h1Url: string };
  stop(): Promise<void>;
  gc(): Promise<boolean>;
}

function portOf(url: string): number {
  return Number(new URL(url).port);
}

/** Runs group 4. */
export async function runMemoryGroup(ctx: BenchContext): Promise<GroupResult> {
  const { stalledFileSize, stalledReaders, quick } = ctx.options;
  const name = await ctx.files.ensure(bigFileName(stalledFileSize), stalledFileSize);
  const id = itemId(name);
  const settleMs = quick ? 1000 : 4000;
  const notes: string[] = [];
  // --quick reuses the pool's servers (already warm; no process start-ups) to stay short; full runs use fresh ones.
  const source = quick ? ctx.pool : ctx.pool.fresh;
  const stopFresh = (stop: () => Promise<void>) => (quick ? async () => {} : stop);
  /** A stalled-reader target on a harness-owned Connect server (the stock pair). */
  const connectStallTarget = (
    targetId: string,
    label: string,
    startServer: () => Promise<Started<ConnectChild>>,
  ): StallTarget => ({
    id: targetId,
    label,
    harnessOwned: true,
    start: async () => {
      const s = await startServer();
      if (!s.ok) return s;
      const request = connectReadFileRequest(id, 1048576);
      return {
        ok: true,
        value: {
          pid: s.value.pid,
          port: portOf(s.value.info.h1Url),
          request,
          warmUrl: "",
          headers: [],
          stop: stopFresh(() => s.value.stop()),
          gc: () => s.value.gc(),
        },
      };
    },
  });
  const targets: StallTarget[] = [
    {
      id: "memory.stall.nginx",
      label: "nginx sendfile",
      start: async () => {
        const s = await source.nginx();
        if (!s.ok) return s;
        const url = `${s.value.url}/${name}`;
        return {
          ok: true,
          value: {
            pid: s.value.pid,
            port: portOf(s.value.url),
            request: httpGetRequest(`/${name}`),
            warmUrl: url,
            headers: [],
            stop: stopFresh(() => s.value.stop()),
          },
        };
      },
    },
    {
      id: "memory.stall.pipeline",
      label: "Node pipeline, 2 MiB reads",
      harnessOwned: true,
      start: async () => {
        const s = await source.pipeline(PIPELINE_HIGH_WATER_MARK);
        if (!s.ok) return s;
        const url = `${s.value.info.url}/${name}`;
        return {
          ok: true,
          value: {
            pid: s.value.pid,
            port: portOf(s.value.info.url),
            request: httpGetRequest(`/${name}`),
            warmUrl: url,
            headers: [],
            stop: stopFresh(() => s.value.stop()),
            gc: () => s.value.gc(),
          },
        };
      },
    },
    connectStallTarget("memory.stall.stock-rpc", "stock connect-node ReadFile, Connect h1, 1 MiB chunks", () =>
      source.stock(),
    ),
    {
      id: "memory.stall.peer-http",
      label: "**peer HTTP route**",
      goal: SERVER_GROWTH_GOAL,
      start: async () => {
        const s = await source.peer();
        if (!s.ok) return s;
        const { url, key } = s.value.info;
        const note = await waitForDigests(url, key, [id], quick ? 15_000 : 60_000);
        if (note) notes.push(note);
        const auth = { Authorization: `Bearer ${key}` };
        return {
          ok: true,
          value: {
            pid: s.value.pid,
            port: portOf(url),
            request: httpGetRequest(`/v1/files/${id}`, auth),
            warmUrl: `${url}/v1/files/${id}`,
            headers: [`Authorization: Bearer ${key}`],
            stop: stopFresh(() => s.value.stop()),
            gc: () => s.value.gc(),
          },
        };
      },
    },
    {
      id: "memory.stall.peer-rpc",
      label: "**peer ReadFile**, Connect h1, 1 MiB chunks",
      goal: SERVER_GROWTH_GOAL,
      start: async () => {
        const s = await source.peer();
        if (!s.ok) return s;
        const { url, key } = s.value.info;
        const note = await waitForDigests(url, key, [id], quick ? 15_000 : 60_000);
        if (note) notes.push(note);
        return {
          ok: true,
          value: {
            pid: s.value.pid,
            port: portOf(url),
            request: connectReadFileRequest(id, 1048576, { Authorization: `Bearer ${key}` }),
            warmUrl: `${url}/v1/files/${id}`,
            headers: [`Authorization: Bearer ${key}`],
            stop: stopFresh(() => s.value.stop()),
            gc: () => s.value.gc(),
          },
        };
      },
    },
  ];
  const metrics: MetricResult[] = [];
  for (const t of targets) {
    const base = {
      group: "memory" as const,
      id: t.id,
      label: `server RSS growth, ${stalledReaders} stalled readers of ${formatSize(stalledFileSize)}: ${t.label}`,
      unit: "MiB",
      goal: t.goal,
    };
    let started: Awaited<ReturnType<StallTarget["start"]>>;
    try {
      started = await t.start();
    } catch (err) {
      started = { ok: false, reason: (err as Error).message, missing: false };
    }
    if (!started.ok) {
      metrics.push({
        ...base,
        status: started.missing ? (t.id.includes("nginx") ? "skipped" : "unavailable") : "failed",
        reason: started.reason,
        value: Number.NaN,
      });
      if (!started.missing && t.harnessOwned) ctx.harnessError(`${t.label}: ${started.reason}`);
      continue;
    }
    const s = started.value;
    try {
      // One complete read first, so lazily built state (JIT, pools) is in the baseline, not in the growth.
      if (s.warmUrl) await runCurl(s.warmUrl, { headers: s.headers, expectedBytes: stalledFileSize });
      // A full GC first (Node servers), so garbage of the warm read is not counted as growth or hidden in the baseline.
      await s.gc?.();
      await new Promise((r) => setTimeout(r, 500));
      const before = processMemory(s.pid)?.rss ?? Number.NaN;
      const sampler = sampleRss(s.pid);
      const readers = await openStalledReaders(s.port, stalledReaders, s.request);
      // Every reader gets its response head (or the wait ends), then the server gets time to fill its buffers.
      await readers.allResponded(settleMs * 2);
      await new Promise((r) => setTimeout(r, settleMs));
      const peak = sampler.stop();
      const statuses = readers.statuses();
      // What stays after a GC while the readers are still stalled: the memory they really pin.
      const collected = (await s.gc?.()) === true;
      const retained = collected ? (processMemory(s.pid)?.rss ?? Number.NaN) : Number.NaN;
      readers.close();
      const growth = (peak - before) / 1048576;
      ctx.log(
        `  ${t.label}: RSS ${(before / 1048576).toFixed(0)} → peak ${(peak / 1048576).toFixed(0)} MiB (after GC, still stalled: ${(retained / 1048576).toFixed(0)} MiB); responses ${JSON.stringify(statuses)}`,
      );
      metrics.push({
        ...base,
        status: "ok",
        value: growth,
        met: t.goal ? meetsGoal(growth, t.goal) : undefined,
        detail: {
          baselineMiB: before / 1048576,
          peakMiB: peak / 1048576,
          retainedAfterGcMiB: retained / 1048576,
          responses: JSON.stringify(statuses),
        },
      });
    } catch (err) {
      metrics.push({ ...base, status: "failed", reason: (err as Error).message, value: Number.NaN });
      if (t.harnessOwned) ctx.harnessError(`${t.label}: ${(err as Error).message}`);
    } finally {
      await s.stop();
    }
  }
  metrics.push(...(await measureClientRss(ctx)));
  return {
    group: "memory",
    title: "4. Memory",
    description: `Server: a fresh process per target (with --quick, the already running ones), one complete read and a full GC first, then ${stalledReaders} raw sockets each send the request and never read the body; growth = peak RSS (sampled every 25 ms until every reader had its response head, then ${settleMs / 1000} s more) minus RSS before. Client: peak RSS of a fresh worker process (with --quick, the running one) during one ${formatSize(ctx.options.bigDownloadSize)} download through the engine.`,
    throughput: [],
    metrics,
    notes,
  };
}
