/**
 * Runs download jobs in the foreground for `peer get` and `peer downloads run`:
 * a progress bar per active download on a terminal, JSON lines otherwise
 * (download-reporter.ts), and Ctrl-C leaves every job resumable. Loaded only when a download runs (it pulls
 * in the engine and cli-progress), so `peer --help` stays fast (docs/performance.md).
 */
import {
  classify,
  DownloadError,
  type Download,
  type DownloadManager,
  type FolderEnqueueResult,
} from "../client/index.js";
import { ExitCode } from "./common.js";
import { createDownloadReporter } from "./download-reporter.js";
import { printable as p } from "./format.js";
import { StoreError } from "../common/store/store-error.js";
import type { LookupContext } from "./lookup-retry.js";

/** Exit code after SIGINT (128 + 2), as shells report it. */
export const EXIT_INTERRUPTED = 130;

/**
 * Runs jobs with a reporter and signal handling; resolves to the exit code.
 * `enqueue` returns the job ids to wait for, and the folder jobs (waited for, then
 * summarised); without it, the whole queue runs until it is empty (`peer downloads run`).
 * @internal shared by `peer get` and `peer downloads run`
 */
export async function runDownloads(
  manager: DownloadManager,
  json: boolean,
  enqueue?: (
    m: DownloadManager,
    fail: (itemId: string, error: DownloadError) => void,
    lookup: LookupContext,
    onFolder: (result: FolderEnqueueResult) => void,
  ) => Promise<string[] | EnqueuedWork>,
  hold?: (stop: AbortSignal, completed: boolean, note: (text: string) => void) => Promise<void>,
): Promise<number> {
  const reporter = await createDownloadReporter(json);
  const outcome = new Map<string, string>();
  const off = manager.on((e) => {
    if (e.type === "completed" || e.type === "failed" || e.type === "paused" || e.type === "cancelled")
      outcome.set(e.id, e.type);
    reporter.event(e);
  });
  let interrupted = false;
  let holding = false;
  const stop = new AbortController();
  const onSignal = () => {
    if (holding) return stop.abort(); // Ctrl-C ends `peer get --stream`'s serving after the download
    if (interrupted) return;
    interrupted = true;
    stop.abort();
    reporter.note("interrupted: stopping; every download stays resumable (run the command again)");
    void manager.close();
  };
  process.on("SIGINT", onSignal);
  process.on("SIGTERM", onSignal);
  let failures = 0;
  const results: Download[] = [];
  try {
    if (enqueue === undefined) {
      await manager.start({ runQueue: true });
      await manager.drain();
    } else {
      await manager.start({ runQueue: false });
      const work = await enqueue(
        manager,
        (itemId, error) => {
          failures++;
          reporter.enqueueFailed(itemId, error);
        },
        { signal: stop.signal, retrying: (itemId, notice) => reporter.lookupRetrying(itemId, notice) },
        (result) => reporter.folder(result),
      );
      const { jobs, folders } = Array.isArray(work) ? { jobs: work, folders: [] } : work;
      for (const id of jobs) {
        if (interrupted) break;
        results.push(await manager.wait(id));
      }
      for (const f of folders) {
        if (interrupted) break;
        const summary = await manager.waitFolder(f.id);
        reporter.folderDone(summary);
        if (summary.status !== "completed") failures++;
      }
      if (hold !== undefined && !interrupted) {
        holding = true;
        // A folder's file jobs are waited for by waitFolder (a folder not completed counts as a failure).
        const done = results.length + folders.length > 0 && results.every((d) => d.status === "completed");
        await hold(stop.signal, done && failures === 0, (text) => reporter.note(text));
      }
    }
  } catch (error) {
    if (!interrupted) {
      failures++;
      const e = error instanceof DownloadError ? error : classify(error);
      reporter.note(`error: ${p(error instanceof StoreError ? error.message : e.message)}`);
    }
  } finally {
    process.off("SIGINT", onSignal);
    process.off("SIGTERM", onSignal);
    await manager.close();
    off();
    reporter.finish(enqueue === undefined ? [...outcome.values()] : results.map((d) => d.status));
  }
  if (interrupted) return EXIT_INTERRUPTED;
  const incomplete =
    enqueue === undefined
      ? [...outcome.values()].filter((t) => t !== "completed").length
      : results.filter((d) => d.status !== "completed").length;
  return failures + incomplete === 0 ? ExitCode.ok : ExitCode.failure;
}

/** What `peer get` enqueued: file jobs, and folder jobs (whose own file jobs are in `jobs` too). */
export interface EnqueuedWork {
  readonly jobs: string[];
  readonly folders: FolderEnqueueResult[];
}

// The reporter and its lines live in their own files; their names stay importable from here.
export { createDownloadReporter } from "./download-reporter.js";
export { completedLine, formatEta, verifiedText } from "./download-lines.js";
