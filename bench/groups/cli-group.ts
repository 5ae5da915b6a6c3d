/**
 * Group "cli" (issue 11): the `peer` command as a user runs it, each run a
 * whole process measured by GNU time: `peer --help` next to `node -e ""`,
 * `peer serve` time to listen and its RSS idle and while serving, and
 * `peer get` of the big file to disk over every transport next to `curl -o`
 * from the same `peer serve` (ratio, client CPU s/GiB, peak RSS).
 */
import { mkdir, mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { bigFileName, itemId, type BenchContext } from "../context.js";
import { processMemory, sampleRss } from "../cpu.js";
import { runInterleaved, type ThroughputTarget } from "../interleave.js";
import type { GroupResult, MetricResult } from "../model.js";
import { formatSize } from "../options.js";
import { createKey, ensureBuilt, PEER_BIN, startServe, type ServeProcess } from "../peer-command.js";
import { waitForDigests } from "../peer-ready.js";
import { median, meetsGoal, type Goal } from "../stats.js";
import { summarizeThroughput } from "../summarize.js";
import { onPath, runTimed, timedProcessUnavailable, type TimedRun } from "../timed-process.js";

/** Issue 20: `peer get` ≥ 0.55× `curl -o` over connect and http, ≥ 0.45× over gRPC and Connect h2; ahead of wget and aria2c. */
const GET_GOAL: Record<(typeof TRANSPORTS)[number], Goal> = {
  connect: { op: ">=", threshold: 0.55 },
  http: { op: ">=", threshold: 0.55 },
  grpc: { op: ">=", threshold: 0.45 },
  "connect-h2": { op: ">=", threshold: 0.45 },
};
const AHEAD_GOAL: Goal = { op: ">=", threshold: 1 };
const HELP_GOAL: Goal = { op: "<=", threshold: 0.25 };
const READY_GOAL: Goal = { op: "<=", threshold: 0.5 };
const IDLE_RSS_GOAL: Goal = { op: "<=", threshold: 70 };
const SERVING_RSS_GOAL: Goal = { op: "<=", threshold: 100 };
const CLIENT_RSS_GOAL: Goal = { op: "<=", threshold: 64 }; // issue 20
const MIB = 1024 * 1024;
const TRANSPORTS = ["connect", "connect-h2", "grpc", "http"] as const;

function metric(
  id: string,
  label: string,
  values: readonly number[],
  unit: string,
  goal?: Goal,
  detail?: MetricResult["detail"],
): MetricResult {
  const value = median(values);
  return {
    group: "cli",
    id,
    label,
    status: Number.isNaN(value) ? "failed" : "ok",
    value,
    unit,
    goal,
    met: goal ? meetsGoal(value, goal) : undefined,
    detail,
  };
}

function mustSucceed(run: TimedRun, what: string): TimedRun {
  if (run.code !== 0) throw new Error(`${what} exited ${run.code}: ${run.stderr.trim().slice(-500)}`);
  return run;
}

/** `peer --help` and `node -e ""`, interleaved. */
async function measureStartup(ctx: BenchContext): Promise<MetricResult[]> {
  const help: number[] = [];
  const bare: number[] = [];
  for (let i = 0; i < Math.max(3, ctx.options.samples); i++) {
    bare.push(mustSucceed(await runTimed(process.execPath, ["-e", ""]), "node -e").seconds);
    help.push(mustSucceed(await runTimed(process.execPath, [PEER_BIN, "--help"]), "peer --help").seconds);
  }
  return [
    metric("cli.help", "`peer --help`, wall time", help, "s", HELP_GOAL, {
      nodeBaselineSeconds: median(bare),
      timesNodeBaseline: median(help) / median(bare),
    }),
    metric("cli.node", '`node -e ""` on this machine now (the floor under any Node command)', bare, "s"),
  ];
}

/** Starts `peer serve` a few times for its time to listen; keeps the last one running. */
async function measureServe(root: string, dataDir: string): Promise<{ serve: ServeProcess; metrics: MetricResult[] }> {
  const ready: number[] = [];
  for (let i = 0; i < 2; i++) {
    const s = await startServe(root, dataDir);
    ready.push(s.readySeconds);
    await s.stop();
  }
  const serve = await startServe(root, dataDir);
  ready.push(serve.readySeconds);
  await new Promise((r) => setTimeout(r, 1000));
  const idle = processMemory(serve.pid)?.rss ?? Number.NaN;
  return {
    serve,
    metrics: [
      metric("cli.serve.ready", "`peer serve` from spawn to listening", ready, "s", READY_GOAL),
      metric("cli.serve.idle-rss", "`peer serve` RSS, idle (1 s after listening)", [idle / MIB], "MiB", IDLE_RSS_GOAL),
    ],
  };
}

/** Runs the "cli" group. */
export async function runCliGroup(ctx: BenchContext): Promise<GroupResult> {
  const title = "0. The `peer` command: start-up, `peer serve`, `peer get` vs `curl -o`";
  const notes: string[] = [];
  const missing = timedProcessUnavailable();
  if (missing !== undefined)
    return { group: "cli", title, description: missing, throughput: [], metrics: [], notes: [missing] };
  const built = await ensureBuilt(ctx.log);
  if (built) notes.push(built);
  const { size } = ctx.options;
  const name = await ctx.files.ensure(bigFileName(size), size);
  const id = itemId(name);
  const work = await mkdtemp(path.join(os.tmpdir(), "peer-bench-cli-"));
  const metrics: MetricResult[] = [...(await measureStartup(ctx))];
  const serveDir = path.join(work, "serve");
  const key = await createKey(serveDir);
  const { serve, metrics: serveMetrics } = await measureServe(ctx.files.root, serveDir);
  metrics.push(...serveMetrics);
  try {
    const note = await waitForDigests(serve.url, key, [id], ctx.options.quick ? 15_000 : 180_000);
    if (note) notes.push(note);
    const peakRss = new Map<string, number[]>();
    const timedTarget = (
      targetId: string,
      label: string,
      command: string,
      args: () => Promise<string[]>,
      compare?: ThroughputTarget["compare"],
    ): ThroughputTarget => ({
      group: "cli",
      id: targetId,
      label,
      serverPid: serve.pid,
      compare,
      run: async () => {
        const run = mustSucceed(
          await runTimed(command, await args(), { env: { ...process.env, PEER_KEY: key } }),
          label,
        );
        peakRss.set(targetId, [...(peakRss.get(targetId) ?? []), run.peakRssBytes / MIB]);
        return { seconds: run.seconds, bytes: size, clientCpuSeconds: run.cpuSeconds };
      },
    });
    const curlOut = path.join(work, "curl", name);
    const targets: ThroughputTarget[] = [
      timedTarget("cli.curl", "`curl -o <file>` from `peer serve` (HTTP route)", "curl", async () => {
        await rm(curlOut, { force: true });
        await mkdir(path.dirname(curlOut), { recursive: true });
        return ["-sS", "--fail", "-o", curlOut, "-H", `Authorization: Bearer ${key}`, `${serve.url}/v1/files/${id}`];
      }),
    ];
    // The other download tools a user would reach for, from the same route (single connection each).
    const [wget, aria2c] = await Promise.all([onPath("wget"), onPath("aria2c")]);
    const toolOut = (tool: string) => path.join(work, tool, name);
    const auth = `Authorization: Bearer ${key}`;
    const fileUrl = `${serve.url}/v1/files/${id}`;
    targets.push(
      {
        ...timedTarget("cli.wget", "`wget -O <file>` from `peer serve` (HTTP route)", "wget", async () => {
          await rm(toolOut("wget"), { force: true });
          await mkdir(path.dirname(toolOut("wget")), { recursive: true });
          return ["-q", "-O", toolOut("wget"), "--header", auth, fileUrl];
        }),
        unavailable: wget ? undefined : "wget is not installed",
        unavailableStatus: "skipped",
      },
      {
        ...timedTarget("cli.aria2c", "`aria2c` (one connection) from `peer serve` (HTTP route)", "aria2c", async () => {
          await rm(path.dirname(toolOut("aria2c")), { recursive: true, force: true });
          await mkdir(path.dirname(toolOut("aria2c")), { recursive: true });
          const dir = path.dirname(toolOut("aria2c"));
          return [
            "-q",
            "--allow-overwrite=true",
            "--file-allocation=none",
            "-d",
            dir,
            "-o",
            name,
            "--header",
            auth,
            fileUrl,
          ];
        }),
        unavailable: aria2c ? undefined : "aria2c is not installed",
        unavailableStatus: "skipped",
      },
    );
    for (const transport of TRANSPORTS) {
      const out = path.join(work, `get-${transport}`);
      targets.push(
        timedTarget(
          `cli.get.${transport}`,
          `**\`peer get\`** to disk, --transport ${transport}`,
          process.execPath,
          async () => {
            await rm(out, { recursive: true, force: true });
            await mkdir(out, { recursive: true });
            return [
              PEER_BIN,
              "get",
              serve.url,
              id,
              "--out",
              out,
              "--transport",
              transport,
              "--json",
              "--data-dir",
              path.join(out, ".state"),
            ];
          },
          [
            { baseId: "cli.curl", baseLabel: "curl -o", goal: GET_GOAL[transport] },
            ...(wget ? [{ baseId: "cli.wget", baseLabel: "wget", goal: AHEAD_GOAL }] : []),
            ...(aria2c ? [{ baseId: "cli.aria2c", baseLabel: "aria2c", goal: AHEAD_GOAL }] : []),
          ],
        ),
      );
    }
    const serving = sampleRss(serve.pid, 50);
    const raw = await runInterleaved(targets, {
      samples: ctx.options.samples,
      log: ctx.log,
      onHarnessFailure: ctx.harnessError,
    });
    metrics.push(
      metric(
        "cli.serve.serving-rss",
        `\`peer serve\` peak RSS while serving ${formatSize(size)} to each client above`,
        [serving.stop() / MIB],
        "MiB",
        SERVING_RSS_GOAL,
      ),
    );
    for (const [targetId, values] of peakRss) {
      const label = targets.find((t) => t.id === targetId)?.label ?? targetId;
      metrics.push(
        metric(
          `${targetId}.peak-rss`,
          `client peak RSS: ${label}`,
          values,
          "MiB",
          targetId.startsWith("cli.get.") ? CLIENT_RSS_GOAL : undefined,
        ),
      );
    }
    return {
      group: "cli",
      title,
      description: `Every figure is a whole process timed by GNU time (wall, user+system CPU, max RSS), as a user runs it: \`node bin/peer.js …\` (the build in dist/). \`peer get\` downloads one ${formatSize(size)} file from one \`peer serve\` to disk with verification (fresh --out and --data-dir per sample); \`curl -o\` fetches the same file from the same server. Ratios are of median throughput in this run.`,
      throughput: summarizeThroughput(raw),
      metrics,
      notes,
    };
  } finally {
    await serve.stop();
    await rm(work, { recursive: true, force: true });
  }
}
