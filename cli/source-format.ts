/**
 * How a job's sources are shown (docs/downloads.md "Sources"): the `peer downloads show` table
 * and JSON, and the progress bar's `3 sources` with their combined rate. Pure.
 */
import type { DownloadSource } from "../client/internal.js";
import type { SourceProgress } from "../client/internal.js";
import { formatBytes, formatDate, formatTable } from "./format.js";

/** The JSON form of a source (`peer downloads show --json`). */
export function sourceJson(s: DownloadSource): Record<string, unknown> {
  return {
    kind: s.kind,
    url: s.url,
    primary: s.primary,
    itemId: s.itemId,
    transport: s.transport,
    bytesDelivered: s.bytesDelivered,
    rate: s.rate,
    failures: s.failures,
    nextRetryAt: s.nextRetryAt?.toISOString() ?? null,
    bannedReason: s.bannedReason,
    lastError: s.lastError,
    state: s.state,
  };
}

/** Why a source is not used, or its last error: the ban first, then the backoff. */
function noteOf(s: DownloadSource): string {
  if (s.bannedReason !== null) return `banned: ${s.bannedReason}`;
  const retry = s.state === "waiting" ? `retry at ${formatDate(s.nextRetryAt)}` : "";
  const error = s.lastError ?? "";
  return [error, retry].filter((t) => t !== "").join("; ");
}

/** The sources table of `peer downloads show` (the primary peer marked `peer*`). */
export function formatSources(sources: readonly DownloadSource[]): string {
  return formatTable(sources, [
    { header: "KIND", value: (s) => (s.primary ? "peer*" : s.kind) },
    { header: "URL", value: (s) => s.url },
    { header: "ITEM", value: (s) => s.itemId ?? (s.kind === "peer" ? "(by root)" : "-") },
    { header: "DELIVERED", value: (s) => formatBytes(s.bytesDelivered), right: true },
    { header: "RATE", value: (s) => (s.rate > 0 ? `${formatBytes(s.rate)}/s` : "-"), right: true },
    { header: "STATE", value: (s) => s.state },
    { header: "NOTE", value: noteOf },
  ]);
}

/** What the progress bar shows of a progress event's sources. */
export interface SourcesSummary {
  /** Sources reading now or ready. */
  readonly active: number;
  /** Sum of their rates, bytes per second. */
  readonly bytesPerSecond: number;
  /** `3 sources`, `1 source`. */
  readonly text: string;
}

/** Counts the active sources and adds up their rates (negative or non-finite rates count as 0). */
export function sourcesSummary(sources: readonly SourceProgress[]): SourcesSummary {
  const active = sources.filter((s) => s.state === "active");
  const rate = active.reduce(
    (sum, s) => sum + (Number.isFinite(s.bytesPerSecond) ? Math.max(0, s.bytesPerSecond) : 0),
    0,
  );
  return {
    active: active.length,
    bytesPerSecond: rate,
    text: `${active.length} source${active.length === 1 ? "" : "s"}`,
  };
}
