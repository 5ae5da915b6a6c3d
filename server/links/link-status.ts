/**
 * Pure decisions about a share link: whether it may be used now, and how its
 * `--max-downloads` budget is counted (docs/web.md, "What counts as a download").
 *
 * A download is counted in bytes, not in requests: a link with N downloads
 * may deliver N × the file's size bytes of file data. Ranges, resumes
 * (`curl -C -`, `wget -c`), parallel segments (aria2c -x) and web-seed piece
 * requests then all add up to one download per copy of the file, and a
 * client cannot get more than N copies by asking for small ranges. HEAD, 304,
 * 412 and 416 answers carry no file bytes and cost nothing. An empty file
 * costs one unit per GET. A request is admitted while the budget is not
 * spent (so the last one may finish a copy); bytes charged but not delivered
 * (the client left) are given back.
 */

/** Whether a link can be used now. */
export type LinkStatus = "active" | "expired" | "revoked" | "exhausted";

/** The fields of a link these decisions read. */
export interface LinkFacts {
  readonly expiresAt: number | null;
  readonly revokedAt: number | null;
  readonly maxDownloads: number | null;
  readonly bytesServed: number;
}

/** The budget of a link in bytes for a file of `size` bytes; null when unlimited. */
export function downloadBudget(maxDownloads: number | null, size: number): number | null {
  return maxDownloads === null ? null : maxDownloads * Math.max(size, 1);
}

/** What a response costs: its file bytes, or one unit for an empty file. */
export function downloadCharge(plannedFileBytes: number, size: number): number {
  return size === 0 ? 1 : plannedFileBytes;
}

/** Downloads used so far, as a fraction of whole copies (for `peer links list`). */
export function downloadsUsed(bytesServed: number, size: number): number {
  return bytesServed / Math.max(size, 1);
}

/**
 * The link's status at `at` (ms). Expired when `at >= expiresAt` (the expiry
 * instant itself is already too late); exhausted needs the file size, so it is
 * only decided when `size` is given.
 */
export function linkStatus(link: LinkFacts, at: number, size?: number): LinkStatus {
  if (link.revokedAt !== null) return "revoked";
  if (link.expiresAt !== null && link.expiresAt <= at) return "expired";
  if (size !== undefined) {
    const budget = downloadBudget(link.maxDownloads, size);
    if (budget !== null && link.bytesServed >= budget) return "exhausted";
  }
  return "active";
}
