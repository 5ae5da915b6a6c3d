/**
 * How `peer get` and `peer downloads run` show download events: JSON lines, or on a terminal a
 * progress bar per active download and per folder job, finished downloads becoming lines of text
 * above them (docs/downloads.md). What the bars and lines say is in download-lines.ts.
 */
import type cliProgress from "cli-progress";
import type { DownloadError, DownloadEvent, FolderEnqueueResult, FolderSummary } from "../client/index.js";
import type { RetryNotice } from "../client/internal.js";
import { writeErr, writeJsonLine, writeOut } from "./common.js";
import {
  endedLine,
  folderBarFields,
  newBarFields,
  noticeLine,
  progressFields,
  retryLine,
  summaryLine,
} from "./download-lines.js";
import { folderSummaryLines, trackFolder, type FolderTracker } from "./folder-progress.js";
import { formatBytes, printable as p } from "./format.js";
import { lookupRetryJson } from "./lookup-retry.js";

/** Shows download events: bars on a terminal, or JSON lines. */
export interface DownloadReporter {
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

/**
 * Creates the reporter for `peer get` / `peer downloads run`: JSON lines with `json`, else bars.
 * cli-progress is loaded only for bars (with its string-width and emoji tables: 40 KB of source
 * a JSON run would keep in memory). @internal
 */
export async function createDownloadReporter(json: boolean): Promise<DownloadReporter> {
  return json ? jsonReporter() : new BarReporter((await import("cli-progress")).default);
}

/** One JSON object per line on stdout: the events as they are, then a summary; notes on stderr. */
function jsonReporter(): DownloadReporter {
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

/** The bars' line: name, bar, percentage, bytes done of the size, rate (and sources), ETA (and reads). */
const BAR_FORMAT = " {file} |{bar}| {percentage}% | {done} of {size} | {speed}{sources} | ETA {etaText}{reads}";

/** A followed folder job: its tracker and its bar. */
interface FolderBar {
  readonly tracker: FolderTracker;
  readonly bar: cliProgress.SingleBar;
}

/** Progress bars on stderr: one per active download and per folder job; the rest as lines above them. */
class BarReporter implements DownloadReporter {
  private readonly multi: cliProgress.MultiBar;
  private readonly bars = new Map<string, cliProgress.SingleBar>();
  private readonly folders = new Map<string, FolderBar>();

  constructor(progress: typeof cliProgress) {
    this.multi = new progress.MultiBar(
      {
        format: BAR_FORMAT,
        hideCursor: true,
        clearOnComplete: false,
        stopOnComplete: false,
        barsize: 24,
        stream: process.stderr,
        autopadding: true,
        // Our own SIGINT handler stops the bars after logging what happens to the jobs.
        gracefulExit: false,
      },
      progress.Presets.shades_classic,
    );
  }

  folder(result: FolderEnqueueResult): void {
    const tracker = trackFolder(result, Date.now());
    const bar = this.multi.create(1, 0, newBarFields("", null));
    this.folders.set(result.id, { tracker, bar });
    drawFolder({ tracker, bar });
  }

  folderDone(summary: FolderSummary): void {
    const f = this.folders.get(summary.id);
    if (f !== undefined) {
      this.multi.remove(f.bar);
      this.folders.delete(summary.id);
    }
    for (const line of folderSummaryLines(summary)) this.log(line);
  }

  event(e: DownloadEvent): void {
    for (const f of this.folders.values()) if (f.tracker.event(e, Date.now())) drawFolder(f);
    const notice = noticeLine(e);
    if (notice !== undefined) this.log(notice);
    const ended = endedLine(e);
    if (ended !== undefined) this.retire(e.id, ended);
    else if (e.type === "validated") this.barFor(e, e.size).update(e.resumeFrom, { done: formatBytes(e.resumeFrom) });
    else if (e.type === "progress") {
      const bar = this.barFor(e, e.size ?? 0);
      if (e.size !== null) bar.setTotal(Math.max(1, e.size));
      bar.update(e.bytes, progressFields(e));
    }
  }

  enqueueFailed(itemId: string, error: DownloadError): void {
    this.log(`${p(itemId)}: ${p(error.message)}`);
  }

  lookupRetrying(itemId: string, n: RetryNotice): void {
    this.log(retryLine(itemId, n.error.message, n.delayMs));
  }

  note(text: string): void {
    this.log(text);
  }

  finish(statuses: readonly string[]): void {
    // Logged lines are printed on the next redraw: force one before stopping.
    this.multi.update();
    this.multi.stop();
    const summary = summaryLine(statuses);
    if (summary !== undefined) writeOut(summary);
  }

  /** A line above the bars. */
  private log(text: string): void {
    this.multi.log(`${text}\n`);
  }

  /** The download's bar, created on its first event. */
  private barFor(e: DownloadEvent, size: number): cliProgress.SingleBar {
    let bar = this.bars.get(e.id);
    if (bar === undefined) {
      bar = this.multi.create(Math.max(1, size), 0, newBarFields(e.fileName, size));
      this.bars.set(e.id, bar);
    }
    return bar;
  }

  /** A finished download leaves the live area and becomes a line of text above it. */
  private retire(id: string, text: string): void {
    const bar = this.bars.get(id);
    if (bar !== undefined) {
      this.multi.remove(bar);
      this.bars.delete(id);
    }
    this.log(text);
  }
}

/** Redraws a folder's bar from its tracker's reading. */
function drawFolder(f: FolderBar): void {
  const r = f.tracker.read();
  f.bar.setTotal(Math.max(1, r.bytes));
  f.bar.update(r.doneBytes, folderBarFields(r));
}
