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
 *
 * A link made by an API key (web page, torrents) works only while that key
 * does: revoking or expiring the key ends its links from the next request on.
 */

/** Whether a link can be used now. */
export type LinkStatus = "active" | "expired" | "revoked" | "exhausted" | "key-revoked" | "key-expired";

/** The fields of a link these decisions read. */
export interface LinkFacts {
  readonly expiresAt: number | null;
  readonly revokedAt: number | null;
  readonly maxDownloads: number | null;
  readonly bytesServed: number;
  /** Id of the API key that made the link; null or absent for links made by `peer links create`. */
  readonly createdBy?: string | null | undefined;
  /** Whether that key still exists (a missing key counts as revoked). */
  readonly creatorFound?: boolean | undefined;
  /** That key's revocation time, or null. */
  readonly creatorRevokedAt?: number | null | undefined;
  /** That key's expiry, or null. */
  readonly creatorExpiresAt?: number | null | undefined;
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
 * only decided when `size` is given. Order: revoked, key-revoked, expired,
 * key-expired, exhausted.
 */
export function linkStatus(link: LinkFacts, at: number, size?: number): LinkStatus {
  if (link.revokedAt !== null) return "revoked";
  const keyMade = link.createdBy !== undefined && link.createdBy !== null;
  // Fail closed: a key-made link whose key cannot be found is as dead as a revoked key's.
  if (keyMade && (link.creatorFound !== true || (link.creatorRevokedAt ?? null) !== null)) return "key-revoked";
  if (link.expiresAt !== null && link.expiresAt <= at) return "expired";
  const keyExpires = link.creatorExpiresAt ?? null;
  if (keyMade && keyExpires !== null && keyExpires <= at) return "key-expired";
  if (size !== undefined) {
    const budget = downloadBudget(link.maxDownloads, size);
    if (budget !== null && link.bytesServed >= budget) return "exhausted";
  }
  return "active";
}
