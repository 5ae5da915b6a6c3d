/**
 * Group 3: the download engine to disk (SHA-256, fsync checkpoints, rename) over
 * RPC and over the HTTP route, against `curl -o <file>` of the same file.
 */
import { mkdir, rm, unlink } from "node:fs/promises";
import path from "node:path";
import { bigFileName, itemId, type BenchContext } from "../context.js";
import { runCurl } from "../curl.js";
import { runInterleaved, type ThroughputTarget } from "../interleave.js";
import type { GroupResult } from "../model.js";
import { formatSize } from "../options.js";
import { waitForDigests } from "../peer-ready.js";
import type { Goal } from "../stats.js";
import { summarizeThroughput } from "../summarize.js";

const HTTP_GOAL: Goal = { op: ">=", threshold: 0.7 };

/** Runs group 3. */
export async function runDownloadGroup(ctx: BenchContext): Promise<GroupResult> {
  const { size } = ctx.options;
  const name = await ctx.files.ensure(bigFileName(size), size);
  const id = itemId(name);
  const [peer, worker] = await Promise.all([ctx.pool.peer(), ctx.pool.worker()]);
  const probe = await worker.probe();
  const notes: string[] = [];
  const outRoot = path.join(path.dirname(ctx.files.root), "downloads");
  if (peer.ok) {
    const note = await waitForDigests(
      peer.value.info.url,
      peer.value.info.key,
      [id],
      ctx.options.quick ? 15_000 : 120_000,
    );
    if (note) notes.push(note);
  }
  const unavailable = !peer.ok ? peer.reason : probe.engine;
  const url = peer.ok ? peer.value.info.url : "";
  const key = peer.ok ? peer.value.info.key : "";
  const curlFile = path.join(outRoot, "curl", name);
  const targets: ThroughputTarget[] = [
    {
      group: "download",
      id: "download.curl",
      label: "`curl -o <file>` from the peer HTTP route",
      unavailable: peer.ok ? undefined : peer.reason,
      serverPid: peer.ok ? peer.value.pid : undefined,
      run: async () => {
        await unlink(curlFile).catch(() => {});
        return runCurl(`${url}/v1/files/${id}`, {
          output: curlFile,
          headers: [`Authorization: Bearer ${key}`],
          expectedBytes: size,
        });
      },
    },
  ];
  for (const transport of ["connect", "http"] as const) {
    targets.push({
      group: "download",
      id: `download.engine.${transport}`,
      label: `**download engine** to disk over ${transport === "http" ? "the HTTP route" : "ReadFile (Connect h1)"}`,
      unavailable,
      serverPid: peer.ok ? peer.value.pid : undefined,
      run: () =>
        worker.run({
          kind: "engine-download",
          baseUrl: url,
          apiKey: key,
          transport,
          itemIds: [id],
          destDir: path.join(outRoot, `engine-${transport}`),
          stateDir: path.join(outRoot, `engine-${transport}-state`),
          concurrency: 1,
          expectedBytes: size,
        }),
      compare: [{ baseId: "download.curl", baseLabel: "curl -o", goal: transport === "http" ? HTTP_GOAL : undefined }],
    });
  }
  // Today's whole-file path (prefix + SHA-256 at the end) against per-piece verification, same run.
  targets.push({
    group: "download",
    id: "download.engine.connect.whole-file",
    label: "download engine over ReadFile, **whole-file SHA-256 only** (`verifyPieces: false`)",
    unavailable,
    serverPid: peer.ok ? peer.value.pid : undefined,
    run: () =>
      worker.run({
        kind: "engine-download",
        baseUrl: url,
        apiKey: key,
        transport: "connect",
        itemIds: [id],
        destDir: path.join(outRoot, "engine-whole"),
        stateDir: path.join(outRoot, "engine-whole-state"),
        concurrency: 1,
        expectedBytes: size,
        verifyPieces: false,
      }),
    compare: [{ baseId: "download.curl", baseLabel: "curl -o" }],
  });
  await rm(outRoot, { recursive: true, force: true });
  await mkdir(path.dirname(curlFile), { recursive: true });
  try {
    const raw = await runInterleaved(targets, {
      samples: ctx.options.samples,
      log: ctx.log,
      onHarnessFailure: ctx.harnessError,
    });
    return {
      group: "download",
      title: "3. Download engine to disk vs curl -o",
      description: `One ${formatSize(size)} file from our server to a file on the same disk; the engine hashes (SHA-256), fsyncs at checkpoints and renames; curl just writes. Each engine sample is a fresh manager with a fresh SQLite state dir.`,
      throughput: summarizeThroughput(raw),
      metrics: [],
      notes,
    };
  } finally {
    await rm(outRoot, { recursive: true, force: true });
  }
}
