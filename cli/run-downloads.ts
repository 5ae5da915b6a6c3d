/**
 * Runs download jobs in the foreground for `peer get` and `peer downloads run`:
 * a progress bar per active download on a terminal, JSON lines otherwise, and
 * Ctrl-C leaves every job resumable. Loaded only when a download runs (it pulls
 * in the engine and cli-progress), so `peer --help` stays fast (docs/performance.md).
 */
import cliProgress from "cli-progress";
import {
  classify,
  DownloadError,
  type Download,
  type DownloadEvent,
  type DownloadManager,
  type FolderEnqueueResult,
  type FolderSummary,
  type Verification,
} from "../client/index.js";
import { folderSummaryLines, trackFolder, type FolderTracker } from "./folder-progress.js";
import { ExitCode, writeErr, writeJsonLine, writeOut } from "./common.js";
import { formatBytes, printable as p } from "./format.js";
import { sourcesSummary } from "./source-format.js";
import { readsSummary } from "./read-format.js";
import { StoreError } from "../common/store/store-error.js";
import type { RetryNotice } from "../client/internal.js";
import { lookupRetryJson, type LookupContext } from "./lookup-retry.js";

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
  const reporter = createDownloadReporter(json);
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

/** Shows download events: bars on a terminal, or JSON lines. */
interface DownloadReporter {
  /** Follows a folder job (one bar for it, plus its active files). */
  folder(result: FolderEnqueueResult): void;
  /** A folder job ended: its summary. */
  folderDone(summary: FolderSummary): void;
  event(e: DownloadEvent): void;
  enqueueFailed(itemId: string, error: DownloadError): void;
  lookupRetrying(itemId: string, notice: RetryNotice): void;
  note(text: string): void;
  finish(statuses: readonly string[]): void;
}

/** Creates the reporter for `peer get` / `peer downloads run`. @internal */
export function createDownloadReporter(json: boolean): DownloadReporter {
  if (json) {
    return {
      event: (e) => writeJsonLine(e),
      folder: () => undefined,
      folderDone: (summary) => writeJsonLine({ type: "folder-summary", ...summary }),
      enqueueFailed: (itemId, error) =>
        writeJsonLine({
          type: "failed",
          itemId,
          time: new Date().toISOString(),
          error: { code: error.code, message: error.message },
        }),
      lookupRetrying: (itemId, n) => writeJsonLine(lookupRetryJson(itemId, n)),
      note: (text) => writeErr(`${text}\n`),
      finish: (statuses) => {
        const completed = statuses.filter((t) => t === "completed").length;
        writeJsonLine({ type: "summary", completed, incomplete: statuses.length - completed });
      },
    };
  }
  const multi = new cliProgress.MultiBar(
    {
      format: " {file} |{bar}| {percentage}% | {done} of {size} | {speed}{sources} | ETA {etaText}{reads}",
      hideCursor: true,
      clearOnComplete: false,
      stopOnComplete: false,
      barsize: 24,
      stream: process.stderr,
      autopadding: true,
      // Our own SIGINT handler stops the bars after logging what happens to the jobs.
      gracefulExit: false,
    },
    cliProgress.Presets.shades_classic,
  );
  const bars = new Map<string, cliProgress.SingleBar>();
  const label = (raw: string) => {
    const name = p(raw);
    return name.length > 24 ? `${name.slice(0, 21)}...` : name.padEnd(24);
  };
  const barFor = (e: DownloadEvent, size: number) => {
    let bar = bars.get(e.id);
    if (bar === undefined) {
      bar = multi.create(Math.max(1, size), 0, {
        file: label(e.fileName),
        done: "0 B",
        size: formatBytes(size),
        speed: "-",
        sources: "",
        etaText: "-",
        reads: "",
      });
      bars.set(e.id, bar);
    }
    return bar;
  };
  // Every text that may come from a peer (names, messages, sources) goes through printable (p).
  const log = (text: string) => multi.log(`${text}\n`);
  const folders = new Map<string, { tracker: FolderTracker; bar: cliProgress.SingleBar }>();
  const folderEvent = (e: DownloadEvent) => {
    for (const f of folders.values()) if (f.tracker.event(e, Date.now())) drawFolder(f);
  };
  const drawFolder = (f: { tracker: FolderTracker; bar: cliProgress.SingleBar }) => {
    const r = f.tracker.read();
    f.bar.setTotal(Math.max(1, r.bytes));
    f.bar.update(r.doneBytes, {
      file: label(`${r.name}/`),
      done: formatBytes(r.doneBytes),
      size: formatBytes(r.bytes),
      speed: `${formatBytes(r.bytesPerSecond)}/s`,
      sources: ` | ${r.completed} of ${r.files} files`,
      etaText: r.etaSeconds === null ? "-" : formatEta(r.etaSeconds),
    });
  };
  /** A finished download leaves the live area and becomes a line of text above it. */
  const retire = (id: string, text: string) => {
    const bar = bars.get(id);
    if (bar !== undefined) {
      multi.remove(bar);
      bars.delete(id);
    }
    log(text);
  };
  return {
    folder(result) {
      const tracker = trackFolder(result, Date.now());
      const bar = multi.create(1, 0, {
        file: label(""),
        done: "0 B",
        size: "0 B",
        speed: "-",
        sources: "",
        etaText: "-",
        reads: "", // a folder's bar has no reads of its own (its files' bars show theirs)
      });
      folders.set(result.id, { tracker, bar });
      drawFolder({ tracker, bar });
    },
    folderDone(summary) {
      const f = folders.get(summary.id);
      if (f !== undefined) {
        multi.remove(f.bar);
        folders.delete(summary.id);
      }
      for (const line of folderSummaryLines(summary)) log(line);
    },
    event(e) {
      folderEvent(e);
      switch (e.type) {
        case "validated":
          if (e.resumeFrom > 0)
            log(`↻ ${p(e.fileName)}: resuming at ${formatBytes(e.resumeFrom)} of ${formatBytes(e.size)}`);
          barFor(e, e.size).update(e.resumeFrom, { done: formatBytes(e.resumeFrom) });
          break;
        case "progress": {
          const bar = barFor(e, e.size ?? 0);
          if (e.size !== null) bar.setTotal(Math.max(1, e.size));
          // With several sources: how many are active, and their rates added up (docs/downloads.md "Sources").
          const summary = e.sources === undefined ? undefined : sourcesSummary(e.sources);
          bar.update(e.bytes, {
            done: formatBytes(e.bytes),
            speed: `${formatBytes(summary?.bytesPerSecond ?? e.bytesPerSecond)}/s`,
            sources: summary === undefined ? "" : ` from ${summary.text}`,
            etaText: e.etaSeconds === null ? "-" : formatEta(e.etaSeconds),
            reads: readsSummary(e.reads), // peer get --stream: where the player reads, and its read-ahead
          });
          break;
        }
        case "restarted":
          log(`${p(e.fileName)}: restarting from 0: ${p(e.reason)}`);
          break;
        case "piece-failed":
          log(`${p(e.fileName)}: piece ${e.index} from ${p(e.source)} failed its hash; reading it again`);
          break;
        case "source-banned":
          log(`${p(e.fileName)}: banned ${p(e.source)}: ${p(e.reason)}`);
          break;
        case "retrying":
          log(`${p(e.fileName)}: ${p(e.error.message)}; retrying in ${formatEta(Math.ceil(e.delayMs / 1000))}`);
          break;
        case "completed":
          retire(e.id, completedLine(e));
          break;
        case "failed":
          retire(e.id, `✘ ${p(e.fileName)}: failed: ${p(e.error.message)}`);
          break;
        case "paused":
          retire(
            e.id,
            `‖ ${p(e.fileName)}: paused: ${p(e.error.message)} (then: peer downloads retry ${e.id.slice(0, 8)})`,
          );
          break;
        case "cancelled":
          retire(e.id, `✘ ${p(e.fileName)}: cancelled`);
          break;
        default:
          break;
      }
    },
    enqueueFailed: (itemId, error) => log(`${p(itemId)}: ${p(error.message)}`),
    lookupRetrying: (itemId, n) =>
      log(`${p(itemId)}: ${p(n.error.message)}; retrying in ${formatEta(Math.ceil(n.delayMs / 1000))}`),
    note: (text) => log(text),
    finish(statuses) {
      // Logged lines are printed on the next redraw: force one before stopping.
      multi.update();
      multi.stop();
      const completed = statuses.filter((t) => t === "completed").length;
      if (statuses.length > 0) writeOut(`${completed} of ${statuses.length} downloads complete\n`);
    },
  };
}

/** The line of a completed download: "already there" when nothing had to be fetched. */
export function completedLine(e: Extract<DownloadEvent, { type: "completed" }>): string {
  const what = e.alreadyThere === true ? "already there, nothing fetched" : verifiedText(e.verified);
  return `✔ ${p(e.fileName)}: ${formatBytes(e.size)}, ${what} → ${p(e.destination)}`;
}

/** What the completed line says was checked. */
export function verifiedText(verified: Verification): string {
  switch (verified) {
    case "pieces root":
      return "every piece verified against the pieces root";
    case "sha256":
      return "SHA-256 verified";
    case "size only":
      return "size verified (the peer has no digest yet)";
  }
}

/** `1h02m`, `3m05s`, `42s`. */
export function formatEta(seconds: number): string {
  const s = Math.max(0, Math.round(seconds));
  if (s >= 3600) return `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, "0")}m`;
  if (s >= 60) return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, "0")}s`;
  return `${s}s`;
}
