/** Shared bits of the download tests: temp dirs, managers with fast retries, event capture. */
import { createHash } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import {
  createDownloadManager,
  type DownloadEvent,
  type DownloadManager,
  type DownloadManagerOptions,
} from "../../client/index.js";

/** SHA-256 hex of a buffer. */
export function sha256(data: Uint8Array | string): string {
  return createHash("sha256").update(data).digest("hex");
}

/** A temp directory removed by the returned function. */
export async function tempDir(prefix = "peer-dl-"): Promise<{ dir: string; remove: () => Promise<void> }> {
  const dir = await mkdtemp(path.join(os.tmpdir(), prefix));
  return { dir, remove: () => rm(dir, { recursive: true, force: true }) };
}

/** Fast-retry defaults for tests (real retries, short delays). */
export const FAST: Partial<DownloadManagerOptions> = {
  backoff: { baseMs: 20, capMs: 200 },
  progressIntervalMs: 1,
  pollMs: 50,
};

/** A started manager with its events recorded. */
export interface TestManager {
  readonly m: DownloadManager;
  readonly events: DownloadEvent[];
  /** Events of one type. */
  of<T extends DownloadEvent["type"]>(type: T): Array<Extract<DownloadEvent, { type: T }>>;
}

/** Creates and starts a manager over `dataDir`, recording its events. */
export async function startManager(
  options: DownloadManagerOptions,
  start: { runQueue?: boolean; runJobs?: boolean } = {},
): Promise<TestManager> {
  const m = createDownloadManager({ ...FAST, ...options });
  const events: DownloadEvent[] = [];
  m.on((e) => events.push(e));
  await m.start(start);
  return {
    m,
    events,
    of: (type) => events.filter((e) => e.type === type) as never,
  };
}

/** Polls `fn` until it returns a value other than undefined (generous timeout for slow machines). */
export async function waitFor<T>(
  fn: () => T | undefined | Promise<T | undefined>,
  what: string,
  timeoutMs = 60_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}
