/**
 * The bar's view of the reads of a download in progress (`peer get --stream`, docs/downloads.md
 * "Reading a download while it runs"): where each reader is, and how much of its read-ahead
 * window is verified and ready, or that it waits for a piece. Pure.
 */
import type { ReadProgress } from "../client/internal.js";
import { formatBytes } from "./format.js";

/** Most reads listed on the bar (a player rarely holds more than three). */
const SHOWN = 3;

/** ` | ▶ 812.0 MiB +14.0/16.0 MiB, 3.6 GiB waiting`; empty when nothing reads the download. */
export function readsSummary(reads: readonly ReadProgress[] | undefined): string {
  if (reads === undefined || reads.length === 0) return "";
  const each = [...reads]
    .sort((a, b) => a.position - b.position)
    .slice(0, SHOWN)
    .map((r) =>
      r.waiting
        ? `${formatBytes(r.position)} waiting`
        : `${formatBytes(r.position)} +${formatBytes(r.ready)}/${formatBytes(r.readAhead)}`,
    );
  const more = reads.length > SHOWN ? ` (+${reads.length - SHOWN} more)` : "";
  return ` | ▶ ${each.join(", ")}${more}`;
}
