/**
 * Resume of a download cut at 99 % after a process restart (docs/pieces.md "Client
 * engine"): the time from the new manager's start to its first new byte written, with
 * per-piece verification (trusts the bitmap, re-checks the kept part in the background)
 * against the whole-file path (re-hashes the kept prefix before reading), in one run.
 * Runs the engine in the harness process; the server is the bench's own.
 */
import { rm } from "node:fs/promises";
import path from "node:path";
import { createDownloadManager, type DownloadEvent } from "../../client/index.js";
import { startCutProxy } from "../cut-proxy.js";
import type { MetricResult } from "../model.js";
import { formatSize } from "../options.js";
import { meetsGoal, type Goal } from "../stats.js";

/** The goal: under 1 s from start to the first new byte. */
const FIRST_BYTE_GOAL: Goal = { op: "<=", threshold: 1 };

interface Peer {
  readonly url: string;
  readonly key: string;
}

/** One mode: cut at 99 %, close the manager, then time a fresh manager's resume. */
async function measure(peer: Peer, itemId: string, size: number, dir: string, verifyPieces: boolean) {
  const proxy = await startCutProxy(Number(new URL(peer.url).port));
  const dataDir = path.join(dir, "state");
  const base = { dataDir, downloadDir: dir, keys: [peer.key], verifyPieces, progressIntervalMs: 1 };
  try {
    // 1. Download until the proxy resets the connection at 99 %; a long backoff keeps the job waiting.
    proxy.reset(Math.floor(size * 0.99));
    const first = createDownloadManager({ ...base, backoff: { baseMs: 600_000, capMs: 600_000 }, random: () => 0.999 });
    await first.start({ runQueue: false });
    const retrying = new Promise<void>((resolve) => first.on((e) => e.type === "retrying" && resolve()));
    await first.enqueue({ url: proxy.url, key: peer.key, transport: "connect" }, itemId);
    await retrying;
    const kept = (await first.list())[0]?.committedBytes ?? 0;
    await first.close();
    // 2. A new process's manager: start → first new byte written → completed.
    proxy.reset(undefined);
    const t0 = performance.now();
    const second = createDownloadManager(base);
    let firstByte = Number.NaN;
    let done!: () => void;
    const completed = new Promise<void>((resolve) => (done = resolve));
    let resumeFrom = 0;
    second.on((e: DownloadEvent) => {
      if (e.type === "validated") resumeFrom = e.resumeFrom;
      if (e.type === "progress" && Number.isNaN(firstByte) && e.bytes > resumeFrom)
        firstByte = (performance.now() - t0) / 1000;
      if (e.type === "completed" || e.type === "failed") done();
    });
    await second.start();
    await completed;
    const total = (performance.now() - t0) / 1000;
    const job = (await second.list())[0];
    await second.close();
    if (job?.status !== "completed")
      throw new Error(`the resumed job ended ${job?.status}: ${job?.error?.message ?? ""}`);
    return { firstByte, total, kept, resumeFrom };
  } finally {
    await proxy.close();
    await rm(dir, { recursive: true, force: true });
  }
}

/** The two metrics (pieces, whole file), measured one after the other in the same run. */
export async function measureResumeAt99(
  peer: Peer,
  itemId: string,
  size: number,
  outRoot: string,
): Promise<MetricResult[]> {
  const metrics: MetricResult[] = [];
  for (const verifyPieces of [true, false]) {
    const mode = verifyPieces ? "pieces" : "whole-file";
    const base = {
      group: "resume" as const,
      id: `resume.99.${mode}`,
      label: `resume of ${formatSize(size)} cut at 99 % after a restart: start → first new byte, ${verifyPieces ? "**per-piece verification**" : "whole-file SHA-256 (re-hashes the kept prefix first)"}`,
      unit: "s",
      goal: verifyPieces ? FIRST_BYTE_GOAL : undefined,
    };
    try {
      const r = await measure(peer, itemId, size, path.join(outRoot, `resume99-${mode}`), verifyPieces);
      metrics.push({
        ...base,
        status: "ok",
        value: r.firstByte,
        met: verifyPieces ? meetsGoal(r.firstByte, FIRST_BYTE_GOAL) : undefined,
        detail: { secondsToComplete: Number(r.total.toFixed(3)), keptBytes: r.kept, resumeFrom: r.resumeFrom },
      });
    } catch (err) {
      metrics.push({ ...base, status: "failed", reason: (err as Error).message, value: Number.NaN });
    }
  }
  return metrics;
}
