/**
 * Group 5: resume cost. The engine downloads one file through a proxy that
 * counts the server's bytes; one clean run gives the bytes on the wire of an
 * uncut download, then a run whose connection is reset halfway gives the same
 * figure with a cut. The difference is what the resume re-transferred.
 */
import path from "node:path";
import { rm } from "node:fs/promises";
import { bigFileName, itemId, type BenchContext } from "../context.js";
import { startCutProxy } from "../cut-proxy.js";
import type { GroupResult, MetricResult } from "../model.js";
import { formatSize } from "../options.js";
import { waitForDigests } from "../peer-ready.js";
import { meetsGoal, type Goal } from "../stats.js";
import { measureResumeAt99 } from "./resume-pieces.js";

/** At most one chunk (1 MiB, the default ReadFile chunk) re-transferred. */
const RESUME_GOAL: Goal = { op: "<=", threshold: 1 };

/** Runs group 5. */
export async function runResumeGroup(ctx: BenchContext): Promise<GroupResult> {
  const { size } = ctx.options;
  const name = await ctx.files.ensure(bigFileName(size), size);
  const id = itemId(name);
  const [peer, worker] = await Promise.all([ctx.pool.peer(), ctx.pool.worker()]);
  const probe = await worker.probe();
  const notes: string[] = [];
  const metrics: MetricResult[] = [];
  const outRoot = path.join(path.dirname(ctx.files.root), "resume");
  const unavailable = !peer.ok ? peer.reason : probe.engine;
  const cutAt = Math.floor(size / 2) + 12345;
  for (const transport of ["connect", "http"] as const) {
    const base = {
      group: "resume" as const,
      id: `resume.${transport}`,
      label: `bytes re-transferred after a reset at ${formatSize(Math.floor(size / 2))} of ${formatSize(size)}, engine over ${transport === "http" ? "the HTTP route" : "ReadFile (Connect h1)"}`,
      unit: "MiB",
      goal: RESUME_GOAL,
    };
    if (unavailable !== undefined || !peer.ok) {
      metrics.push({ ...base, status: "unavailable", reason: unavailable ?? "server not running", value: Number.NaN });
      continue;
    }
    const proxy = await startCutProxy(Number(new URL(peer.value.info.url).port));
    const task = {
      kind: "engine-download" as const,
      baseUrl: proxy.url,
      apiKey: peer.value.info.key,
      transport,
      itemIds: [id],
      destDir: path.join(outRoot, transport),
      stateDir: path.join(outRoot, `${transport}-state`),
      concurrency: 1,
      expectedBytes: size,
      backoffBaseMs: 100,
    };
    try {
      const note = await waitForDigests(
        peer.value.info.url,
        peer.value.info.key,
        [id],
        ctx.options.quick ? 15_000 : 120_000,
      );
      if (note && !notes.includes(note)) notes.push(note);
      proxy.reset(undefined);
      await worker.run(task);
      const clean = proxy.downstreamBytes();
      proxy.reset(cutAt);
      const cut = await worker.run(task);
      const wire = proxy.downstreamBytes();
      const again = (wire - clean) / 1048576;
      ctx.log(
        `  ${transport}: clean ${clean} B, with cut ${wire} B (cuts ${proxy.cuts()}), resumed from ${cut.extra?.["lastResumeFrom"]}`,
      );
      if (proxy.cuts() !== 1) throw new Error(`the proxy did not cut the download (cuts: ${proxy.cuts()})`);
      metrics.push({
        ...base,
        status: "ok",
        value: Math.max(0, again),
        met: meetsGoal(Math.max(0, again), RESUME_GOAL),
        detail: {
          wireBytesClean: clean,
          wireBytesWithCut: wire,
          cutAfterBytes: cutAt,
          resumedFrom: cut.extra?.["lastResumeFrom"] ?? Number.NaN,
          attempts: cut.extra?.["attempts"] ?? Number.NaN,
        },
      });
    } catch (err) {
      metrics.push({ ...base, status: "failed", reason: (err as Error).message, value: Number.NaN });
    } finally {
      await proxy.close();
      await rm(outRoot, { recursive: true, force: true });
    }
  }
  if (unavailable === undefined && peer.ok) {
    metrics.push(...(await measureResumeAt99(peer.value.info, id, size, outRoot)));
  }
  return {
    group: "resume",
    title: "5. Resume cost",
    description: `Server bytes counted by a loopback proxy: one clean download, then one whose connection the proxy resets after ${formatSize(cutAt)}; the engine resumes by itself (retry base 100 ms). Re-transferred = bytes with the cut − bytes without. Then a cut at 99 %, the manager closed and a new one started: seconds from its start to the first new byte written, per-piece verification against the whole-file path.`,
    throughput: [],
    metrics,
    notes,
  };
}
