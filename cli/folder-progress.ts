/**
 * A folder job's progress as `peer get` shows it (docs/downloads.md "Folder jobs"): files done of
 * the total, bytes, rate and ETA, from the folder's `folder-queued` event and its file jobs'
 * events; and its summary line. The arithmetic is pure; the bar is drawn by download-reporter.ts.
 */
import type { DownloadEvent, FolderSummary } from "../client/index.js";
import { createProgressMeter } from "../client/internal.js";
import { formatBytes, printable } from "./format.js";

/** A folder's reading for its bar. */
export interface FolderReading {
  readonly name: string;
  readonly files: number;
  readonly completed: number;
  readonly bytes: number;
  readonly doneBytes: number;
  readonly bytesPerSecond: number;
  readonly etaSeconds: number | null;
}

/** Follows one folder job through its events. */
export interface FolderTracker {
  /** The folder's job ids (from enqueueFolder). */
  readonly jobs: ReadonlySet<string>;
  /** Takes a file job's or the folder's event; true when the reading changed. */
  event(e: DownloadEvent, nowMs: number): boolean;
  read(): FolderReading;
}

/** Where a folder stands when it is enqueued (client FolderEnqueueResult). */
export interface FolderStart {
  readonly jobs: readonly string[];
  readonly name: string;
  readonly files: number;
  readonly completedFiles: number;
  readonly bytes: number;
  readonly doneBytes: number;
}

/** Creates a tracker for a folder job from where it stands at enqueue. */
export function trackFolder(start: FolderStart, nowMs: number): FolderTracker {
  const ids = new Set(start.jobs);
  const meter = createProgressMeter();
  const { name, files, bytes } = start;
  let completed = start.completedFiles;
  const base = start.doneBytes;
  const first = new Map<string, number>();
  const last = new Map<string, number>();
  const done = (): number => {
    let sum = base;
    for (const [id, b] of last) sum += Math.max(0, b - (first.get(id) ?? 0));
    return sum;
  };
  const position = (id: string, b: number, t: number) => {
    if (!first.has(id)) first.set(id, b);
    last.set(id, b);
    meter.add(t, done());
  };
  meter.add(nowMs, base);
  return {
    jobs: ids,
    event(e, t) {
      if (!ids.has(e.id)) return false;
      if (e.type === "validated") position(e.id, e.resumeFrom, t);
      else if (e.type === "progress") position(e.id, e.bytes, t);
      else if (e.type === "completed") {
        completed++;
        position(e.id, e.size, t);
      } else return false;
      return true;
    },
    read() {
      const doneBytes = Math.min(bytes, done());
      const r = meter.read(bytes);
      return { name, files, completed, bytes, doneBytes, ...r };
    },
  };
}

/** The summary lines of a folder job, e.g. "3 files, 2.1 GiB reused from earlier downloads". */
export function folderSummaryLines(s: FolderSummary): string[] {
  // Names, paths and messages come from the peer: each is escaped (printable), never written raw to a terminal.
  const lines = [
    `${s.status === "completed" ? "✔" : "✘"} ${printable(s.name)}/: ${s.completed} of ${s.files} files, ${formatBytes(s.bytesDone)} of ${formatBytes(s.bytes)} → ${printable(s.destination)}`,
  ];
  if (s.reused.files > 0)
    lines.push(`  ${plural(s.reused.files, "file")}, ${formatBytes(s.reused.bytes)} reused from earlier downloads`);
  for (const f of s.failed) lines.push(`  failed: ${printable(f.path)}: ${printable(f.message)}`);
  for (const r of s.refused) lines.push(`  refused: ${printable(JSON.stringify(r.path))}: ${printable(r.reason)}`);
  for (const p of s.removed) lines.push(`  removed upstream (left on disk): ${printable(p)}`);
  return lines;
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? "" : "s"}`;
}
