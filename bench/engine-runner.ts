/**
 * Runs the download engine (client/manager/download-manager.ts, `createDownloadManager`)
 * inside the client worker: a fresh manager per task (fresh SQLite state dir),
 * every item enqueued in order, then all awaited; the task fails unless every
 * job completes. The engine is loaded through a variable path, so a tree
 * without it reports "not available" instead of failing to start.
 */
import { mkdir, rm } from "node:fs/promises";
import type * as ManagerModule from "../client/manager/download-manager.js";
import type { DownloadTask } from "./worker-protocol.js";

/** Error that marks a target as "not available" rather than failed. */
export class EngineUnavailableError extends Error {
  override readonly name = "EngineUnavailableError";
  /** Read by the worker to flag the reply. */
  readonly unavailable = true;
}

type Engine = typeof ManagerModule;

async function loadEngine(): Promise<Engine> {
  const spec = "../client/manager/download-manager.js";
  let mod: Engine;
  try {
    mod = (await import(spec)) as Engine;
  } catch (err) {
    throw new EngineUnavailableError(
      `client/manager/download-manager.ts cannot be loaded: ${(err as Error).message.split("\n")[0]}`,
    );
  }
  if (typeof mod.createDownloadManager !== "function") {
    throw new EngineUnavailableError("client/manager/download-manager.ts does not export createDownloadManager");
  }
  return mod;
}

/** Why the engine cannot be used, or `undefined` when it can. */
export async function probeEngine(): Promise<string | undefined> {
  try {
    await loadEngine();
    return undefined;
  } catch (err) {
    return (err as Error).message;
  }
}

/** Empties the task's directories (done before the clock starts). */
export async function prepareEngineDirs(task: DownloadTask): Promise<void> {
  await rm(task.destDir, { recursive: true, force: true });
  await rm(task.stateDir, { recursive: true, force: true });
  await mkdir(task.destDir, { recursive: true });
  await mkdir(task.stateDir, { recursive: true });
}

/**
 * Downloads `task.itemIds` into `task.destDir`; resolves with the bytes of the
 * completed files and, in `extra`, attempts, restarts and the last resume offset.
 */
export async function runEngineDownload(
  task: DownloadTask,
  signal: AbortSignal,
): Promise<{ bytes: number; extra: Record<string, number> }> {
  const { createDownloadManager } = await loadEngine();
  const manager = createDownloadManager({
    dataDir: task.stateDir,
    downloadDir: task.destDir,
    concurrency: task.concurrency,
    perPeer: task.concurrency,
    transport: task.transport,
    keys: [task.apiKey],
    ...(task.backoffBaseMs !== undefined ? { backoff: { baseMs: task.backoffBaseMs } } : {}),
    ...(task.verifyPieces !== undefined ? { verifyPieces: task.verifyPieces } : {}),
  });
  let lastResumeFrom = 0;
  let retries = 0;
  const off = manager.on((e) => {
    if (e.type === "started" && e.resumeFrom > 0) lastResumeFrom = e.resumeFrom;
    if (e.type === "retrying") retries++;
  });
  const onAbort = (): void => void manager.close();
  signal.addEventListener("abort", onAbort, { once: true });
  try {
    await manager.start({ runQueue: false });
    const peer = { url: task.baseUrl, key: task.apiKey, transport: task.transport };
    const ids: string[] = [];
    const sources = task.sources?.map((x) => ({ ...x, transport: task.transport }));
    for (const itemId of task.itemIds)
      ids.push(await manager.enqueue(peer, itemId, { outDir: task.destDir, signal, sources }));
    let bytes = 0;
    let attempts = 0;
    let restarts = 0;
    for (const id of ids) {
      const d = await manager.wait(id);
      if (d.status !== "completed") {
        throw new Error(
          `download of ${d.itemId} ended ${d.status}${d.error ? `: ${d.error.code}: ${d.error.message}` : ""}`,
        );
      }
      bytes += d.size ?? 0;
      attempts += d.attempts;
      restarts += d.restarts;
    }
    if (bytes !== task.expectedBytes) throw new Error(`downloaded ${bytes} bytes, expected ${task.expectedBytes}`);
    return { bytes, extra: { attempts, restarts, retries, lastResumeFrom } };
  } finally {
    off();
    signal.removeEventListener("abort", onAbort);
    await manager.close();
  }
}
