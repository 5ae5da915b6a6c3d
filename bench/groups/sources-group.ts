/**
 * Group "sources" (docs/performance.md): one file from three peers, each behind its own
 * throttling proxy (20 MiB/s), against the same download from one of them alone, and
 * against aria2c given the three peers' share-link URLs as mirrors (`aria2c -s3`). A fourth
 * target cuts one of the three off when it has sent a sixth of the file (half its share):
 * the download finishes at the speed of two.
 */
import { mkdir, rm, unlink } from "node:fs/promises";
import path from "node:path";
import { spawnSync } from "node:child_process";
import { bigFileName, itemId, type BenchContext } from "../context.js";
import { runInterleaved, type ThroughputTarget } from "../interleave.js";
import type { GroupResult } from "../model.js";
import { formatSize } from "../options.js";
import { waitForDigests } from "../peer-ready.js";
import type { Goal } from "../stats.js";
import { summarizeThroughput } from "../summarize.js";
import { startThrottleProxy, type ThrottleProxy } from "../throttle-proxy.js";
import { runTimed, timedProcessUnavailable } from "../timed-process.js";

/** Each source's limit. */
export const SOURCE_RATE = 20 * 1024 * 1024;
const THREE_GOAL: Goal = { op: ">=", threshold: 2.5 };

function aria2Missing(): string | undefined {
  const found = spawnSync("sh", ["-c", "command -v aria2c"], { encoding: "utf8" });
  return found.status === 0 ? timedProcessUnavailable() : "aria2c is not installed (apt-get install aria2)";
}

/** Runs the group. */
export async function runSourcesGroup(ctx: BenchContext): Promise<GroupResult> {
  const { size } = ctx.options;
  const name = await ctx.files.ensure(bigFileName(size), size);
  const id = itemId(name);
  const notes: string[] = [];
  const started = await Promise.all([0, 1, 2].map(() => ctx.pool.fresh.peer([id])));
  const worker = await ctx.pool.worker();
  const proxies: ThrottleProxy[] = [];
  const outRoot = path.join(path.dirname(ctx.files.root), "downloads-sources");
  try {
    const peers = started.flatMap((s) => (s.ok ? [s.value.info] : []));
    const failed = started.find((s) => !s.ok);
    const unavailable = failed !== undefined && !failed.ok ? failed.reason : undefined;
    for (const p of peers) {
      const note = await waitForDigests(p.url, p.key, [id], ctx.options.quick ? 15_000 : 180_000);
      if (note) notes.push(note);
      const port = Number(new URL(p.url).port);
      proxies.push(await startThrottleProxy({ targetPort: port, downBytesPerSecond: SOURCE_RATE }));
    }
    const via = (i: number, url: string) => url.replace(/^http:\/\/[^/]+/, proxies[i]?.url ?? "");
    const src = (i: number) => ({ url: via(i, peers[i]?.url ?? ""), key: peers[i]?.key ?? "" });
    const engine = (label: string, dir: string, sources: Array<{ url: string; key: string }>) => ({
      kind: "engine-download" as const,
      baseUrl: sources[0]?.url ?? "",
      apiKey: sources[0]?.key ?? "",
      transport: "connect" as const,
      itemIds: [id],
      destDir: path.join(outRoot, label, dir),
      stateDir: path.join(outRoot, label, `${dir}-state`),
      concurrency: 1,
      expectedBytes: size,
      sources: sources.slice(1),
    });
    const aria2File = path.join(outRoot, "aria2", name);
    const targets: ThroughputTarget[] = [
      {
        group: "sources",
        id: "sources.one",
        label: "`peer get` from **one** peer (20 MiB/s)",
        unavailable,
        run: () => worker.run(engine("one", "out", [src(0)])),
      },
      {
        group: "sources",
        id: "sources.three",
        label: "`peer get` from **three** peers (20 MiB/s each)",
        unavailable,
        run: () => worker.run(engine("three", "out", [src(0), src(1), src(2)])),
        compare: [{ baseId: "sources.one", baseLabel: "one peer", goal: THREE_GOAL }],
      },
      {
        group: "sources",
        id: "sources.aria2c",
        label: "`aria2c -s3 -x3` with the three peers' link URLs as mirrors",
        unavailable: unavailable ?? aria2Missing(),
        unavailableStatus: "skipped",
        run: async () => {
          await unlink(aria2File).catch(() => undefined);
          const urls = peers.map((p, i) => via(i, p.links?.[0] ?? ""));
          // -x3: the three URLs share one host name (127.0.0.1), and aria2c counts connections per host;
          // each proxy caps its own link whatever the number of connections. -k1M: split even a small file.
          const args = ["-q", "-s3", "-x3", "-k1M", "--allow-overwrite=true", "--auto-file-renaming=false"];
          const r = await runTimed("aria2c", [...args, "-d", path.dirname(aria2File), "-o", name, ...urls]);
          if (r.code !== 0) throw new Error(`aria2c failed (exit ${r.code}): ${r.stderr.trim().slice(-300)}`);
          return { seconds: r.seconds, bytes: size, clientCpuSeconds: r.cpuSeconds };
        },
        compare: [{ baseId: "sources.one", baseLabel: "one peer" }],
      },
      {
        group: "sources",
        id: "sources.three-one-cut",
        label: "`peer get` from three peers, **one cut off** after a sixth of the file",
        unavailable,
        run: async () => {
          const port = Number(new URL(peers[2]?.url ?? "").port);
          const cut = await startThrottleProxy({
            targetPort: port,
            downBytesPerSecond: SOURCE_RATE,
            cutAfterBytes: Math.floor(size / 6),
          });
          try {
            const third = { url: cut.url, key: peers[2]?.key ?? "" };
            return await worker.run(engine("cut", "out", [src(0), src(1), third]));
          } finally {
            await cut.close();
          }
        },
        compare: [{ baseId: "sources.one", baseLabel: "one peer" }],
      },
    ];
    await rm(outRoot, { recursive: true, force: true });
    await mkdir(path.dirname(aria2File), { recursive: true });
    const raw = await runInterleaved(targets, {
      samples: ctx.options.samples,
      log: ctx.log,
      onHarnessFailure: ctx.harnessError,
    });
    return {
      group: "sources",
      title: "Several sources: three throttled peers vs one, and aria2c",
      description: `One ${formatSize(size)} file served by three peer processes, each behind a proxy limited to 20 MiB/s; every piece verified against the pieces root. aria2c gets the same three peers as share-link URLs.`,
      throughput: summarizeThroughput(raw),
      metrics: [],
      notes,
    };
  } finally {
    for (const p of proxies) await p.close().catch(() => undefined);
    for (const s of started) if (s.ok) await s.value.stop().catch(() => undefined);
    await rm(outRoot, { recursive: true, force: true });
  }
}
