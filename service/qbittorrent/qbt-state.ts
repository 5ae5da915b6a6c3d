/**
 * The qBittorrent state of a download (docs/service.md), pure: what Sonarr
 * and Radarr act on. A complete file is `stalledUP` (complete, nobody to
 * upload to: the *arr imports it), a complete one whose file is gone is
 * `missingFiles`; a paused one `stoppedDL` (Web API ≥ 2.11 names); a running
 * one without bytes for {@link STALLED_AFTER_MS} is `stalledDL` (Radarr's
 * stalled rule reads `last_activity`).
 */
import type { DownloadStatus } from "../../client/index.js";

/** A running download with no new bytes for this long is stalled: 60 s. */
export const STALLED_AFTER_MS = 60_000;

/** The inputs of {@link qbtState}. */
export interface StateInput {
  readonly status: DownloadStatus;
  /** Whether the completed file is still at its destination. */
  readonly fileExists: boolean;
  /** Last time bytes arrived (ms), or the time it started when none did yet. */
  readonly lastActivityMs: number;
  /** Whether the engine waits before its next attempt (after a failure). */
  readonly waitingToRetry: boolean;
  readonly nowMs: number;
}

/** The qBittorrent state string. */
export function qbtState(input: StateInput): string {
  switch (input.status) {
    case "completed":
      return input.fileExists ? "stalledUP" : "missingFiles";
    case "failed":
      return "error";
    case "paused":
    case "cancelled":
      return "stoppedDL";
    case "verifying":
      return "checkingDL";
    case "queued":
      return input.waitingToRetry ? "stalledDL" : "queuedDL";
    case "downloading":
      return input.nowMs - input.lastActivityMs >= STALLED_AFTER_MS ? "stalledDL" : "downloading";
  }
}

/** qBittorrent's "infinite" eta, in seconds. */
export const ETA_INFINITE = 8_640_000;

/** Seconds left at the current rate (0 when done, ETA_INFINITE when nothing moves or the size is unknown). */
export function etaSeconds(size: number | null, done: number, bytesPerSecond: number, complete: boolean): number {
  if (complete) return 0;
  if (size === null || bytesPerSecond <= 0) return ETA_INFINITE;
  return Math.min(ETA_INFINITE, Math.ceil(Math.max(0, size - done) / bytesPerSecond));
}
