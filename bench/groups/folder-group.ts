/**
 * Group "folder" (issue 22): a folder of 1,000 files (64 KiB to 64 MiB, about 1 GiB; 100 files,
 * about 19 MiB with --quick) served by `peer serve`, downloaded in the same run by `peer get
 * <peer> bench/<folder>/`, `aria2c -j8 -i <the folder link's file URLs>` and `wget -r -np <folder
 * link>`, each a whole process under GNU time; then a second `peer get` of the same folder into
 * another directory with the first one's state: every file reused, nothing fetched. The bench's
 * work directory may copy the bytes (ext4 has no reflink), so the same two `peer get`s also run on a
 * loop-mounted XFS made with `reflink=1` (bench/reflink-mount.ts), where the reuse copy is metadata
 * only; without root, a loop device or mkfs.xfs, those rows say why.
 */
import { open, readdir, readFile, rm, stat, statfs, writeFile } from "node:fs/promises";
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
import { mountReflinkXfs, type ReflinkMount } from "../reflink-mount.js";
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

/**
 * Bytes in use on the file system holding `dir`, once they stop changing: XFS frees a removed
 * file's blocks in the background (`sync -f` alone was seen to leave 32 of 200 MiB pending), so
 * the count is read after a syncfs until two reads 200 ms apart agree (5 s at most).
 */
async function usedBytes(dir: string): Promise<number> {
  const read = async () => {
    const s = await statfs(dir);
    return (s.blocks - s.bfree) * s.bsize;
  };
  await exec("sync", ["-f", dir]).catch(() => undefined);
  let last = await read();
  for (let i = 0; i < 25; i++) {
    await new Promise((r) => setTimeout(r, 200));
    const now = await read();
    if (now === last) break;
    last = now;
  }
  return last;
}

/** The first path under `b` whose bytes differ from the same path under `a`, or undefined. */
async function firstDifference(a: string, b: string, rels: readonly string[]): Promise<string | undefined> {
  const bufA = Buffer.alloc(MIB);
  const bufB = Buffer.alloc(MIB);
  for (const rel of rels) {
    const [fa, fb] = await Promise.all([open(path.join(a, rel)), open(path.join(b, rel))]);
    try {
      for (;;) {
        const [ra, rb] = await Promise.all([fa.read(bufA, 0, MIB), fb.read(bufB, 0, MIB)]);
        if (ra.bytesRead !== rb.bytesRead || !bufA.subarray(0, ra.bytesRead).equals(bufB.subarray(0, rb.bytesRead)))
          return rel;
        if (ra.bytesRead === 0) break;
      }
    } finally {
      await Promise.all([fa.close(), fb.close()]);
    }
  }
  return undefined;
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
  let reflink: ReflinkMount | undefined;
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
    const wireXfs: number[] = [];
    const newBlocksXfs: number[] = [];
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
    let lastXfsState: string | undefined;
    let xfsRuns = 0;
    let usedBefore = 0;
    // The first download's --out and --data-dir and the reuse's --out share one XFS: a reflink
    // cannot cross file systems. Sparse: 4 × the folder (the reuse's reflinks keep one earlier
    // sample's blocks alive while the next first download writes) + room for the log and the state.
    let xfsUnavailable: string | undefined;
    try {
      reflink = await mountReflinkXfs(work, Math.ceil((4 * total + 512 * MIB) / MIB) * MIB);
      ctx.log(`  folder: XFS (reflink=1) on ${reflink.device} at ${reflink.dir}`);
    } catch (err) {
      xfsUnavailable = `no reflink file system: ${(err as Error).message}`;
      notes.push(xfsUnavailable);
    }
    const xfsDir = () => {
      if (reflink === undefined) throw new Error("XFS is not mounted");
      return reflink.dir;
    };
    // The JSON summary of a run: the bytes not reused came over the wire.
    const notReused = async (jsonFile: string) => {
      const lines = (await readFile(jsonFile, "utf8")).split("\n").filter(Boolean);
      const summary = lines.map((l) => JSON.parse(l) as { type?: string; reused?: { bytes?: number } });
      return total - (summary.find((l) => l.type === "folder-summary")?.reused?.bytes ?? 0);
    };
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
        async () => void wire.push(await notReused(path.join(work, "reuse.jsonl"))),
      ),
      timed(
        "folder.get.xfs",
        "`peer get <peer> bench/<folder>/` on a loop-mounted XFS (`reflink=1`; fresh --out and --data-dir)",
        async () => {
          const fs = xfsDir();
          xfsRuns++;
          const state = await fresh(path.join(fs, `get-state-${xfsRuns}`));
          if (lastXfsState !== undefined) await rm(lastXfsState, { recursive: true, force: true });
          lastXfsState = state;
          return peerGet(await fresh(path.join(fs, "get")), state, path.join(work, "get-xfs.jsonl"));
        },
        { unavailable: xfsUnavailable },
      ),
      timed(
        "folder.reuse.xfs",
        "**second `peer get` on the same XFS into another --out** (every file reused: a reflink each)",
        async () => {
          if (lastXfsState === undefined) throw new Error("no earlier peer get on XFS to reuse");
          const out = await fresh(path.join(xfsDir(), "reuse"));
          usedBefore = await usedBytes(xfsDir());
          return peerGet(out, lastXfsState, path.join(work, "reuse-xfs.jsonl"));
        },
        {
          unavailable: xfsUnavailable,
          compare: [
            { baseId: "folder.get.xfs", baseLabel: "first peer get on XFS", goal: REUSE_GOAL },
            { baseId: "folder.get", baseLabel: "first peer get on the work directory" },
          ],
        },
        // Reflinked, not copied: the file system's used space barely grows; and every byte is the peer's.
        async () => {
          const grew = (await usedBytes(xfsDir())) - usedBefore;
          const fetched = await notReused(path.join(work, "reuse-xfs.jsonl"));
          const differs = await firstDifference(
            folderDir,
            path.join(xfsDir(), "reuse", folderName),
            layout.map((f) => f.rel),
          );
          if (differs !== undefined) throw new Error(`reflinked ${differs} differs from the served file`);
          newBlocksXfs.push(grew);
          wireXfs.push(fetched);
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
    const xfsStatus = xfsUnavailable !== undefined ? "unavailable" : wireXfs.length > 0 ? "ok" : "failed";
    const xfsReason = xfsUnavailable ?? raw.find((t) => t.id === "folder.reuse.xfs")?.reason;
    metrics.push(
      {
        group: "folder",
        id: "folder.reuse.xfs.fetched",
        label: "second `peer get` on XFS (reflink): bytes not reused (fetched again), median",
        status: xfsStatus,
        reason: xfsStatus === "ok" ? undefined : xfsReason,
        value: median(wireXfs),
        unit: "bytes",
        goal: FETCHED_GOAL,
        met: wireXfs.length > 0 ? meetsGoal(median(wireXfs), FETCHED_GOAL) : undefined,
      },
      {
        group: "folder",
        id: "folder.reuse.xfs.new-blocks",
        label: `second \`peer get\` on XFS (reflink): file system space it took, median (a copy would take ${formatSize(total)}; every file compared byte for byte with the served one)`,
        status: xfsStatus,
        reason: xfsStatus === "ok" ? undefined : xfsReason,
        value: median(newBlocksXfs) / MIB,
        unit: "MiB",
      },
    );
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
      description: `One \`peer serve\` shares a folder of ${layout.length} files (64 KiB to ${quick ? "4 MiB" : "64 MiB"}, ${formatSize(total)} in all, in a two-level tree); a folder link (\`peer links create\`) serves aria2c and wget. Each figure is a whole process under GNU time (wall, user+system CPU including children, max RSS), with every file checked in place after the run; ${samples} sample(s) each, interleaved, no warm-up. MiB/s counts the folder's bytes; a reuse line's ratio is its speed-up over the first \`peer get\` on the same file system. The XFS pair runs on a sparse image, formatted \`mkfs.xfs -m reflink=1\` and loop-mounted for the group (root only), holding the first download's --out and --data-dir and the reuse's --out.`,
      throughput: summarizeThroughput(raw),
      metrics,
      notes,
    };
  } finally {
    await serve.stop();
    // Unmount and detach before the work directory (the image and the mount point) goes.
    await reflink?.dispose();
    await rm(work, { recursive: true, force: true });
  }
}
