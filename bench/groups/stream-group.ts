/**
 * Group "stream" (docs/performance.md "Playing while it downloads"): an MP4 with its `moov`
 * index at the end (made with ffmpeg: a short noisy clip repeated with `-stream_loop` and
 * `-c copy` up to the bench size), served by two peers each behind a throttling proxy
 * (20 MiB/s). Per sample, interleaved: the whole download alone; then the same download with
 * `peer get --stream`'s server, timing `ffprobe <URL>` and `ffmpeg -ss <90 %> -i <URL>
 * -frames:v 1` from the start of the download, with a player (`ffmpeg -c copy -f null`)
 * reading the whole stream meanwhile. The engine runs in the bench process (the worker
 * processes of the other groups have no stream server).
 */
import { execFile, spawnSync } from "node:child_process";
import { mkdir, rm, stat } from "node:fs/promises";
import path from "node:path";
import { createDownloadManager } from "../../client/index.js";
import { startStreamServer } from "../../client/stream/stream-server.js";
import { itemId, type BenchContext } from "../context.js";
import type { GroupResult, MetricResult } from "../model.js";
import { formatSize } from "../options.js";
import { waitForDigests } from "../peer-ready.js";
import { median, meetsGoal, type Goal } from "../stats.js";
import { startThrottleProxy, type ThrottleProxy } from "../throttle-proxy.js";
import { SOURCE_RATE } from "./sources-group.js";

const PLAYER_GOAL: Goal = { op: "<=", threshold: 3 };
const WITH_READER_GOAL: Goal = { op: "<=", threshold: 1.15 };

function exec(cmd: string, args: readonly string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(cmd, args, { maxBuffer: 16 * 1024 * 1024 }, (err, stdout, stderr) => {
      if (err !== null) reject(new Error(`${cmd}: ${err.message}: ${stderr.slice(-300)}`));
      else resolve(stdout);
    });
  });
}

/** `<root>/stream-<size>.mp4`, moov at the end, about `size` bytes; returns its name and duration (s). */
async function ensureMedia(ctx: BenchContext, size: number): Promise<{ name: string; duration: number }> {
  const name = `stream-${size}.mp4`;
  const file = path.join(ctx.files.root, name);
  const exists = await stat(file).then(
    (s) => s.size > 0,
    () => false,
  );
  if (!exists) {
    await mkdir(ctx.files.root, { recursive: true });
    const clip = path.join(path.dirname(ctx.files.root), "stream-clip.mp4");
    await exec("ffmpeg", [
      ...["-v", "error", "-y", "-f", "lavfi", "-i", "testsrc=size=320x240:rate=25", "-t", "20"],
      ...["-vf", "noise=alls=30:allf=t", "-c:v", "libx264", "-preset", "ultrafast", "-g", "25", "-pix_fmt", "yuv420p"],
      clip,
    ]);
    const loops = Math.max(0, Math.ceil(size / (await stat(clip)).size) - 1);
    await exec("ffmpeg", ["-v", "error", "-y", "-stream_loop", String(loops), "-i", clip, "-c", "copy", file]);
    await rm(clip, { force: true });
    ctx.log(`generated ${file} (${(await stat(file)).size} bytes)`);
  }
  const duration = Number(
    (await exec("ffprobe", ["-v", "error", "-show_entries", "format=duration", "-of", "csv=p=0", file])).trim(),
  );
  return { name, duration };
}

/** Seconds since `t0` when `p` settles. */
async function timed(t0: number, p: Promise<unknown>): Promise<number> {
  await p;
  return (performance.now() - t0) / 1000;
}

/** Runs the group. */
export async function runStreamGroup(ctx: BenchContext): Promise<GroupResult> {
  const title = "Playing while it downloads: ffprobe and a seek on a download in progress";
  const missing = spawnSync("sh", ["-c", "command -v ffmpeg && command -v ffprobe"]).status !== 0;
  const metrics: MetricResult[] = [];
  const notes: string[] = [];
  const base = { group: "stream" as const, unit: "s" };
  if (missing) {
    const reason = "ffmpeg/ffprobe not installed (apt-get install ffmpeg)";
    metrics.push({
      ...base,
      id: "stream.ffprobe",
      label: "ffprobe answers",
      status: "skipped",
      reason,
      value: Number.NaN,
    });
    return { group: "stream", title, description: reason, throughput: [], metrics, notes };
  }
  const size = ctx.options.quick ? Math.min(ctx.options.size, 64 * 1024 * 1024) : ctx.options.size;
  const { name, duration } = await ensureMedia(ctx, size);
  const id = itemId(name);
  const fileSize = (await stat(path.join(ctx.files.root, name))).size;
  const started = await Promise.all([0, 1].map(() => ctx.pool.fresh.peer()));
  const proxies: ThrottleProxy[] = [];
  const outRoot = path.join(path.dirname(ctx.files.root), "downloads-stream");
  const plain: number[] = [];
  const withPlayer: number[] = [];
  const probe: number[] = [];
  const seek: number[] = [];
  try {
    const peers = started.flatMap((s) => (s.ok ? [s.value.info] : []));
    if (peers.length < 2) throw new Error("the peers did not start");
    for (const p of peers) {
      const note = await waitForDigests(p.url, p.key, [id], ctx.options.quick ? 60_000 : 300_000);
      if (note) notes.push(note);
      proxies.push(
        await startThrottleProxy({ targetPort: Number(new URL(p.url).port), downBytesPerSecond: SOURCE_RATE }),
      );
    }
    const download = async (label: string, k: number, play: boolean): Promise<number> => {
      const dir = path.join(outRoot, `${label}-${k}`);
      await rm(dir, { recursive: true, force: true });
      await mkdir(dir, { recursive: true });
      const m = createDownloadManager({
        dataDir: path.join(dir, "state"),
        downloadDir: dir,
        keys: peers.map((p) => p.key),
      });
      await m.start({ runQueue: false });
      try {
        const t0 = performance.now();
        const src = { url: proxies[1]?.url ?? "", key: peers[1]?.key ?? "" };
        const jobId = await m.enqueue({ url: proxies[0]?.url ?? "", key: peers[0]?.key ?? "" }, id, { sources: [src] });
        const done = m.wait(jobId);
        if (!play) return await timed(t0, done);
        const server = await startStreamServer(await m.tap(jobId));
        try {
          const ffprobe = exec("ffprobe", [
            "-v",
            "error",
            "-show_entries",
            "format=duration",
            "-of",
            "csv=p=0",
            server.url,
          ]);
          const ffseek = exec("ffmpeg", [
            "-v",
            "error",
            "-ss",
            String(Math.floor(duration * 0.9)),
            "-i",
            server.url,
            "-frames:v",
            "1",
            "-f",
            "null",
            "-",
          ]);
          const player = exec("ffmpeg", ["-v", "error", "-i", server.url, "-c", "copy", "-f", "null", "-"]);
          probe.push(await timed(t0, ffprobe));
          seek.push(await timed(t0, ffseek));
          const whole = await timed(t0, done);
          await player;
          return whole;
        } finally {
          await server.close();
        }
      } finally {
        await m.close();
      }
    };
    for (let k = 0; k < ctx.options.samples; k++) {
      plain.push(await download("plain", k, false));
      withPlayer.push(await download("player", k, true));
      ctx.log(
        `  stream sample ${k + 1}: alone ${plain.at(-1)?.toFixed(2)} s, with a player ${withPlayer.at(-1)?.toFixed(2)} s, ffprobe ${probe.at(-1)?.toFixed(2)} s, seek ${seek.at(-1)?.toFixed(2)} s`,
      );
    }
    const ratio = median(withPlayer) / median(plain);
    const verdict = (value: number, goal: Goal, unit: string) =>
      `${value.toFixed(2)}${unit} (goal ${goal.op} ${goal.threshold}${unit} ${meetsGoal(value, goal) ? "✓" : "✗"})`;
    // The three figures of docs/performance.md "Playing while it downloads", on one line each.
    ctx.log(`  stream ffprobe answers:         ${verdict(median(probe), PLAYER_GOAL, " s")}`);
    ctx.log(`  stream seek decodes a frame:    ${verdict(median(seek), PLAYER_GOAL, " s")}`);
    ctx.log(
      `  stream with a player / without: ${verdict(ratio, WITH_READER_GOAL, "×")} — whole download ${median(withPlayer).toFixed(2)} s vs ${median(plain).toFixed(2)} s alone`,
    );
    const metric = (mid: string, label: string, values: number[], goal?: Goal): MetricResult => ({
      ...base,
      id: mid,
      label,
      status: "ok",
      value: median(values),
      goal,
      met: goal === undefined ? undefined : meetsGoal(median(values), goal),
      detail: { samples: values.map((v) => v.toFixed(2)).join(" ") },
    });
    metrics.push(
      metric("stream.ffprobe", "`ffprobe <stream URL>` answers (from the start of the download)", probe, PLAYER_GOAL),
      metric("stream.seek", "`ffmpeg -ss <90 %> -i <URL> -frames:v 1` decodes a frame", seek, PLAYER_GOAL),
      metric("stream.whole", "the whole download, nothing reading it", plain),
      metric("stream.whole-with-player", "the whole download with a player reading it", withPlayer),
      {
        ...base,
        unit: "×",
        id: "stream.ratio",
        label: "with a player / without",
        status: "ok",
        value: ratio,
        goal: WITH_READER_GOAL,
        met: meetsGoal(ratio, WITH_READER_GOAL),
      },
    );
  } catch (err) {
    metrics.push({
      ...base,
      id: "stream.ffprobe",
      label: "ffprobe answers",
      status: "failed",
      reason: (err as Error).message,
      value: Number.NaN,
    });
  } finally {
    for (const p of proxies) await p.close().catch(() => undefined);
    for (const s of started) if (s.ok) await s.value.stop().catch(() => undefined);
    await rm(outRoot, { recursive: true, force: true });
  }
  return {
    group: "stream",
    title,
    description: `An MP4 of ${formatSize(fileSize)} (${Math.round(duration)} s, moov at the end) from two peers, each behind a proxy limited to 20 MiB/s; times from the start of the download.`,
    throughput: [],
    metrics,
    notes,
  };
}
