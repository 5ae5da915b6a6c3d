/**
 * Group "folder" (issue 22): a folder of 1,000 files (64 KiB to 64 MiB, about 1 GiB; 100 files,
 * about 19 MiB with --quick) served by `peer serve`, downloaded in the same run by `peer get
 * <peer> bench/<folder>/`, `aria2c -j8 -i <the folder link's file URLs>` and `wget -r -np <folder
 * link>`, each a whole process under GNU time; then a second `peer get` of the same folder into
 * another directory with the first one's state: every file reused, nothing fetched.
 */
import { readdir, readFile, rm, stat, writeFile } from "node:fs/promises";
import { mkdtemp } from "node:fs/promises";
import { execFile } from "node:child_process";
import os from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import type { BenchContext } from "../context.js";
import { ensureRandomFile, warmPageCache } from "../files.js";
import { aria2cInput, folderLayout, layoutBytes } from "../folder-layout.js";
import { runInterleaved, type ThroughputTarget } from "../interleave.js";
import type { GroupResult, MetricResult } from "../model.js";
import { formatSize } from "../options.js";
import { createKey, ensureBuilt, PEER_BIN, startServe } from "../peer-command.js";
import { median, meetsGoal, type Goal } from "../stats.js";
import { summarizeThroughput } from "../summarize.js";
import { onPath, runTimed, timedProcessUnavailable } from "../timed-process.js";

const exec = promisify(execFile);
const AHEAD_GOAL: Goal = { op: ">=", threshold: 1 };
const REUSE_GOAL: Goal = { op: ">=", threshold: 10 };
const FETCHED_GOAL: Goal = { op: "<=", threshold: 0 };
const MIB = 1024 * 1024;

/** Lists the folder (Connect JSON) until every file has a pieces root; a note when it gave up. */
async function waitForRoots(url: string, key: string, folder: string, files: number, timeoutMs: number) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    let rooted = 0;
    let pageToken = "";
    do {
      const res = await fetch(`${url}/peer.v1.PeerService/ListItems`, {
        method: "POST",
        headers: { "content-type": "application/json", authorization: `Bearer ${key}` },
        body: JSON.stringify({ folder, pageSize: 1000, pageToken }),
      });
      if (!res.ok) return `ListItems ${folder}: HTTP ${res.status}; hashing may overlap the first samples`;
      const body = (await res.json()) as { items?: Array<{ piecesRoot?: string }>; nextPageToken?: string };
      rooted += (body.items ?? []).filter((i) => (i.piecesRoot ?? "") !== "").length;
      pageToken = body.nextPageToken ?? "";
    } while (pageToken !== "");
    if (rooted >= files) return undefined;
    if (Date.now() > deadline) return `${rooted} of ${files} files hashed after ${timeoutMs / 1000} s`;
    await new Promise((r) => setTimeout(r, 500));
  }
}

/** Files and bytes under `dir` (wget's index pages left out). */
async function treeBytes(dir: string): Promise<{ files: number; bytes: number }> {
  let files = 0;
  let bytes = 0;
  for (const e of await readdir(dir, { withFileTypes: true, recursive: true })) {
    if (!e.isFile() || e.name.startsWith("index.html") || e.name.endsWith(".aria2")) continue;
    files++;
    bytes += (await stat(path.join(e.parentPath, e.name))).size;
  }
  return { files, bytes };
}

/** Runs the "folder" group. */
export async function runFolderGroup(ctx: BenchContext): Promise<GroupResult> {
  const title = "A folder: `peer get <peer> share/folder/` vs `aria2c -j8` and `wget -r -np`, and reuse";
  const missing = timedProcessUnavailable();
  if (missing !== undefined)
    return { group: "folder", title, description: missing, throughput: [], metrics: [], notes: [missing] };
  const notes: string[] = [];
  const built = await ensureBuilt(ctx.log);
  if (built) notes.push(built);
  const { quick } = ctx.options;
  const layout = folderLayout(quick);
  const total = layoutBytes(layout);
  const folderName = `folder-${layout.length}-${total}`;
  const folderDir = path.join(ctx.files.root, folderName);
  for (const f of layout) {
    const file = path.join(folderDir, ...f.rel.split("/"));
    await ensureRandomFile(file, f.size);
    await warmPageCache(file);
  }
  const work = await mkdtemp(path.join(os.tmpdir(), "peer-bench-folder-"));
  const serveDir = path.join(work, "serve");
  const key = await createKey(serveDir);
  const serve = await startServe(ctx.files.root, serveDir);
  try {
    const hashed = await waitForRoots(serve.url, key, `bench/${folderName}`, layout.length, quick ? 60_000 : 600_000);
    if (hashed) notes.push(hashed);
    const { stdout } = await exec(process.execPath, [
      ...[PEER_BIN, "links", "create", `bench/${folderName}/`, "--json"],
      ...["--data-dir", serveDir, "--base-url", serve.url],
    ]);
    const link = (JSON.parse(stdout) as { url: string }).url;
    const listFile = path.join(work, "aria2c-input.txt");
    await writeFile(listFile, aria2cInput(link, layout));
    const peakRss = new Map<string, number[]>();
    const wire: number[] = [];
    const env = { ...process.env, PEER_KEY: key };
    let lastState: string | undefined;
    let getRuns = 0;
    const timed = (
      id: string,
      label: string,
      command: () => Promise<{ cmd: string; args: string[]; out: string; jsonFile?: string }>,
      extra: Partial<ThroughputTarget> = {},
      after?: () => Promise<void>,
    ): ThroughputTarget => ({
      group: "folder",
      id,
      label,
      serverPid: serve.pid,
      ...extra,
      run: async () => {
        const { cmd, args, out, jsonFile } = await command();
        const r = await runTimed(cmd, args, { env: { ...env, JSON_OUT: jsonFile ?? "/dev/null" }, cwd: work });
        if (r.code !== 0) throw new Error(`${label} exited ${r.code}: ${r.stderr.trim().slice(-500)}`);
        const got = await treeBytes(out);
        if (got.files !== layout.length || got.bytes !== total)
          throw new Error(`${label} left ${got.files} files, ${got.bytes} bytes (want ${layout.length}, ${total})`);
        peakRss.set(id, [...(peakRss.get(id) ?? []), r.peakRssBytes / MIB]);
        await after?.();
        return { seconds: r.seconds, bytes: total, clientCpuSeconds: r.cpuSeconds };
      },
    });
    // `exec … > file`: the JSON lines (one per event, thousands) go to a file, not through GNU time's pipe.
    const peerGet = (out: string, state: string, jsonFile: string) => ({
      cmd: "sh",
      args: [
        "-c",
        'exec "$0" "$@" > "$JSON_OUT"',
        ...[process.execPath, PEER_BIN, "get", serve.url, `bench/${folderName}/`],
        ...["--out", out, "--data-dir", state, "--json"],
      ],
      out: path.join(out, folderName),
      jsonFile,
    });
    const fresh = async (dir: string) => {
      await rm(dir, { recursive: true, force: true });
      return dir;
    };
    const vs = [
      { baseId: "folder.aria2c", baseLabel: "aria2c -j8", goal: AHEAD_GOAL },
      { baseId: "folder.wget", baseLabel: "wget -r -np", goal: AHEAD_GOAL },
    ];
    const [aria2c, wget] = await Promise.all([onPath("aria2c"), onPath("wget")]);
    const targets: ThroughputTarget[] = [
      timed(
        "folder.aria2c",
        `\`aria2c -j8 -i <${layout.length} file URLs of the folder link>\``,
        async () => {
          const out = await fresh(path.join(work, "aria2c"));
          const args = ["-q", "-j8", "-i", listFile, "-d", out, "--file-allocation=none", "--auto-file-renaming=false"];
          return { cmd: "aria2c", args, out };
        },
        { unavailable: aria2c ? undefined : "aria2c is not installed", unavailableStatus: "skipped" },
      ),
      timed(
        "folder.wget",
        "`wget -r -np <folder link>` (query links, the sort orders and the .zip, rejected)",
        async () => {
          const out = await fresh(path.join(work, "wget"));
          const args = ["-q", "-r", "-np", "-nH", "--cut-dirs=3", "-e", "robots=off", "--reject-regex", "[?]"];
          return { cmd: "wget", args: [...args, "-P", out, link], out };
        },
        { unavailable: wget ? undefined : "wget is not installed", unavailableStatus: "skipped" },
      ),
      timed(
        "folder.get",
        `**\`peer get <peer> bench/<folder>/\`** (fresh --out and --data-dir)`,
        async () => {
          getRuns++;
          const state = await fresh(path.join(work, `get-state-${getRuns}`));
          if (lastState !== undefined) await rm(lastState, { recursive: true, force: true });
          lastState = state;
          return peerGet(await fresh(path.join(work, "get")), state, path.join(work, "get.jsonl"));
        },
        { compare: vs },
      ),
      timed(
        "folder.reuse",
        "**second `peer get` of the folder into another --out** (the first one's --data-dir: every file reused)",
        async () => {
          if (lastState === undefined) throw new Error("no earlier peer get to reuse");
          return peerGet(await fresh(path.join(work, "reuse")), lastState, path.join(work, "reuse.jsonl"));
        },
        { compare: [{ baseId: "folder.get", baseLabel: "first peer get", goal: REUSE_GOAL }] },
        // The JSON summary of the run: the bytes not reused came over the wire.
        async () => {
          const lines = (await readFile(path.join(work, "reuse.jsonl"), "utf8")).split("\n").filter(Boolean);
          const summary = lines.map((l) => JSON.parse(l) as { type?: string; reused?: { bytes?: number } });
          wire.push(total - (summary.find((l) => l.type === "folder-summary")?.reused?.bytes ?? 0));
        },
      ),
    ];
    const samples = quick ? 1 : Math.min(ctx.options.samples, 3);
    const raw = await runInterleaved(targets, {
      samples,
      warmup: 0,
      log: ctx.log,
      onHarnessFailure: ctx.harnessError,
    });
    const get = raw.find((t) => t.id === "folder.get");
    const getSeconds = median(get?.samples.map((s) => s.seconds) ?? []);
    const metrics: MetricResult[] = [
      {
        group: "folder",
        id: "folder.get.ms-per-file",
        label: `\`peer get\` of the folder: wall time per file (${layout.length} files)`,
        status: get?.status ?? "failed",
        value: (getSeconds * 1000) / layout.length,
        unit: "ms",
      },
      {
        group: "folder",
        id: "folder.reuse.fetched",
        label: "second `peer get`: bytes not reused (fetched again), median",
        status: wire.length > 0 ? "ok" : "failed",
        value: median(wire),
        unit: "bytes",
        goal: FETCHED_GOAL,
        met: meetsGoal(median(wire), FETCHED_GOAL),
      },
    ];
    for (const [id, values] of peakRss) {
      const label = targets.find((t) => t.id === id)?.label ?? id;
      metrics.push({
        group: "folder",
        id: `${id}.peak-rss`,
        label: `peak RSS: ${label}`,
        status: "ok",
        value: median(values),
        unit: "MiB",
      });
    }
    return {
      group: "folder",
      title,
      description: `One \`peer serve\` shares a folder of ${layout.length} files (64 KiB to ${quick ? "4 MiB" : "64 MiB"}, ${formatSize(total)} in all, in a two-level tree); a folder link (\`peer links create\`) serves aria2c and wget. Each figure is a whole process under GNU time (wall, user+system CPU including children, max RSS), with every file checked in place after the run; ${samples} sample(s) each, interleaved, no warm-up. MiB/s counts the folder's bytes; the reuse line's ratio is its speed-up over the first \`peer get\`.`,
      throughput: summarizeThroughput(raw),
      metrics,
      notes,
    };
  } finally {
    await serve.stop();
    await rm(work, { recursive: true, force: true });
  }
}
