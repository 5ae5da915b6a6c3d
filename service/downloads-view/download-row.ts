/**
 * What the downloads view shows of one download (pure): its numbers (bytes,
 * percent, rate, ETA) and which actions its state offers. One table decides
 * the buttons, so the page and its tests agree on what each state allows.
 */
import type { Download, DownloadStatus } from "../../client/index.js";
import { bytesDone, type LiveProgress } from "../download-message.js";
import { type PlayerKind, playerKind } from "./player-kind.js";

/** A button of a row; `remove-files` removes the download and deletes its files. */
export type RowAction = "pause" | "resume" | "cancel" | "retry" | "remove" | "remove-files";

/** Every action, in button order (the form's `action` field is checked against it). */
export const ROW_ACTIONS: readonly RowAction[] = Object.freeze([
  "pause",
  "resume",
  "cancel",
  "retry",
  "remove",
  "remove-files",
]);

/** The actions a state offers, besides remove (always offered). */
const ACTIONS: Readonly<Record<DownloadStatus, readonly RowAction[]>> = {
  queued: ["pause", "cancel"],
  downloading: ["pause", "cancel"],
  verifying: ["cancel"],
  paused: ["resume", "cancel"],
  failed: ["retry"],
  cancelled: ["retry"],
  completed: [],
};

/** One row of the view. */
export interface DownloadRow {
  readonly id: string;
  readonly name: string;
  readonly state: DownloadStatus;
  /** Bytes done so far. */
  readonly done: number;
  /** Size, when known. */
  readonly size: number | undefined;
  /** 0–100, one decimal; undefined while the size is unknown. */
  readonly percent: number | undefined;
  /** Current rate, bytes a second (0 unless running). */
  readonly rate: number;
  /** Seconds left at the current rate; undefined unless running with a known size and a rate. */
  readonly etaSeconds: number | undefined;
  /** The last error, `code: message`. */
  readonly error: string | undefined;
  readonly actions: readonly RowAction[];
  /** The play page's element for its media type; undefined: a plain link to the content. */
  readonly player: PlayerKind;
}

/** The actions of a state (remove and remove-files always last). */
export function actionsOf(state: DownloadStatus): readonly RowAction[] {
  return [...(ACTIONS[state] ?? []), "remove", "remove-files"];
}

/** The row of a download and what the service saw of it live. */
export function downloadRow(d: Download, live: LiveProgress | undefined): DownloadRow {
  const done = bytesDone(d, live);
  const size = d.size ?? undefined;
  const running = d.status === "downloading" || d.status === "verifying";
  const rate = running && live !== undefined ? Math.max(0, Math.round(live.bytesPerSecond)) : 0;
  const percent =
    size === undefined ? undefined : size === 0 ? 100 : Math.min(100, Math.floor((done / size) * 1000) / 10);
  const etaSeconds = running && size !== undefined && rate > 0 ? Math.ceil(Math.max(0, size - done) / rate) : undefined;
  return {
    id: d.id,
    name: d.fileName,
    state: d.status,
    done,
    size,
    percent,
    rate,
    etaSeconds,
    error: d.error === null || d.status === "completed" ? undefined : `${d.error.code}: ${d.error.message}`,
    actions: actionsOf(d.status),
    player: playerKind(d.fileName),
  };
}

/** `42 s`, `3 min 5 s`, `2 h 10 min`, `3 d 4 h`: the ETA as a person reads it. */
export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds) || seconds < 0) return "?";
  const s = Math.ceil(seconds);
  if (s < 60) return `${s} s`;
  if (s < 3600) return `${Math.floor(s / 60)} min ${s % 60} s`;
  if (s < 86_400) return `${Math.floor(s / 3600)} h ${Math.floor((s % 3600) / 60)} min`;
  return `${Math.floor(s / 86_400)} d ${Math.floor((s % 86_400) / 3600)} h`;
}
