/**
 * What `peer get`'s progress bars show (download-reporter.ts), as pure functions of the events: a
 * bar's label and fields, the line an event logs above the bars, the line a finished download
 * leaves. Every text that may come from a peer (names, messages, sources) goes through printable (p).
 */
import type { DownloadEvent, Verification } from "../client/index.js";
import type { FolderReading } from "./folder-progress.js";
import { formatBytes, printable as p } from "./format.js";
import { readsSummary } from "./read-format.js";
import { sourcesSummary } from "./source-format.js";

/** The fields of a bar's format line (download-reporter.ts BAR_FORMAT) besides the bar itself. */
export interface BarFields {
  file: string;
  done: string;
  size: string;
  speed: string;
  sources: string;
  etaText: string;
  reads: string;
}

/** A bar's name column: printable, cut to 24 characters with "..." or padded to 24. */
export function barLabel(raw: string): string {
  const name = p(raw);
  return name.length > 24 ? `${name.slice(0, 21)}...` : name.padEnd(24);
}

/** The fields of a new bar: nothing done yet (`size` null: a folder's bar, whose size comes with its reading). */
export function newBarFields(fileName: string, size: number | null): BarFields {
  return {
    file: barLabel(fileName),
    done: "0 B",
    size: size === null ? "0 B" : formatBytes(size),
    speed: "-",
    sources: "",
    etaText: "-",
    reads: "", // a folder's bar has no reads of its own (its files' bars show theirs)
  };
}

/** What a progress event changes on its bar. */
export function progressFields(
  e: Extract<DownloadEvent, { type: "progress" }>,
): Pick<BarFields, "done" | "speed" | "sources" | "etaText" | "reads"> {
  // With several sources: how many are active, and their rates added up (docs/downloads.md "Sources").
  const summary = e.sources === undefined ? undefined : sourcesSummary(e.sources);
  return {
    done: formatBytes(e.bytes),
    speed: `${formatBytes(summary?.bytesPerSecond ?? e.bytesPerSecond)}/s`,
    sources: summary === undefined ? "" : ` from ${summary.text}`,
    etaText: e.etaSeconds === null ? "-" : formatEta(e.etaSeconds),
    reads: readsSummary(e.reads), // peer get --stream: where the player reads, and its read-ahead
  };
}

/** A folder's bar fields from its reading: files done of all in place of the sources column. */
export function folderBarFields(r: FolderReading): Omit<BarFields, "reads"> {
  return {
    file: barLabel(`${r.name}/`),
    done: formatBytes(r.doneBytes),
    size: formatBytes(r.bytes),
    speed: `${formatBytes(r.bytesPerSecond)}/s`,
    sources: ` | ${r.completed} of ${r.files} files`,
    etaText: r.etaSeconds === null ? "-" : formatEta(r.etaSeconds),
  };
}

/** The line an event logs above the bars while its download goes on, if any (a resume, a restart, a retry…). */
export function noticeLine(e: DownloadEvent): string | undefined {
  switch (e.type) {
    case "validated":
      return e.resumeFrom > 0
        ? `↻ ${p(e.fileName)}: resuming at ${formatBytes(e.resumeFrom)} of ${formatBytes(e.size)}`
        : undefined;
    case "restarted":
      return `${p(e.fileName)}: restarting from 0: ${p(e.reason)}`;
    case "piece-failed":
      return `${p(e.fileName)}: piece ${e.index} from ${p(e.source)} failed its hash; reading it again`;
    case "source-banned":
      return `${p(e.fileName)}: banned ${p(e.source)}: ${p(e.reason)}`;
    case "retrying":
      return retryLine(e.fileName, e.error.message, e.delayMs);
    default:
      return undefined;
  }
}

/** The line a download leaves when it stops (completed, failed, paused, cancelled); undefined while it runs. */
export function endedLine(e: DownloadEvent): string | undefined {
  switch (e.type) {
    case "completed":
      return completedLine(e);
    case "failed":
      return `✘ ${p(e.fileName)}: failed: ${p(e.error.message)}`;
    case "paused":
      return `‖ ${p(e.fileName)}: paused: ${p(e.error.message)} (then: peer downloads retry ${e.id.slice(0, 8)})`;
    case "cancelled":
      return `✘ ${p(e.fileName)}: cancelled`;
    default:
      return undefined;
  }
}

/** "<what>: <message>; retrying in <wait>", for a job's retry and a lookup's alike. */
export function retryLine(what: string, message: string, delayMs: number): string {
  return `${p(what)}: ${p(message)}; retrying in ${formatEta(Math.ceil(delayMs / 1000))}`;
}

/** The closing "n of m downloads complete" line; undefined when nothing ran. */
export function summaryLine(statuses: readonly string[]): string | undefined {
  const completed = statuses.filter((t) => t === "completed").length;
  return statuses.length > 0 ? `${completed} of ${statuses.length} downloads complete\n` : undefined;
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
  if (!Number.isFinite(seconds)) return "-"; // no estimate (a hostile or broken figure shows as none)
  const s = Math.max(0, Math.round(seconds));
  if (s >= 3600) return `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, "0")}m`;
  if (s >= 60) return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, "0")}s`;
  return `${s}s`;
}
