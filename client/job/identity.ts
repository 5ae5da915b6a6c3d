/**
 * Whether a new `enqueue` for a destination is the live job already there (docs/downloads.md
 * "Sources"): a job is for content at a destination, not for one peer's URL. The same peer and
 * item is the same job (as before sources existed); otherwise the content decides: equal BEP 52
 * pieces roots and sizes, or, while one side has no root, equal size, etag and SHA-256.
 * Pure: the caller reads the row and the peer's item.
 */

/** What identifies the content on each side (the job row, or the item a peer just described). */
export interface ContentFacts {
  /** Normalised peer base URL. */
  readonly peerUrl: string;
  readonly itemId: string;
  /** Bytes; null when unknown (a job after a restart). */
  readonly size: number | null;
  /** The peer's etag; null or "" when unknown. */
  readonly etag: string | null;
  /** Hex SHA-256; null or "" while the peer has not computed it. */
  readonly sha256: string | null;
  /** BEP 52 pieces root (64 hex); null or "" while unknown. */
  readonly piecesRoot: string | null;
}

/**
 * `same-item`: the same peer URL and item id (refresh the key and transport, resume).
 * `same-content`: another address or peer for the same bytes (it becomes the job's primary peer).
 * `different`: other bytes; the destination is busy.
 */
export type JobIdentity = "same-item" | "same-content" | "different";

const ROOT = /^[0-9a-f]{64}$/;
const SHA256 = /^[0-9a-f]{64}$/;

/** A well-formed lower-case root, or undefined (a malformed one from a peer is no evidence of anything). */
function rootOf(facts: ContentFacts): string | undefined {
  const root = facts.piecesRoot?.toLowerCase();
  return root !== undefined && ROOT.test(root) ? root : undefined;
}

function shaOf(facts: ContentFacts): string | undefined {
  const sha = facts.sha256?.toLowerCase();
  return sha !== undefined && SHA256.test(sha) ? sha : undefined;
}

function knownSize(facts: ContentFacts): number | undefined {
  return facts.size !== null && Number.isSafeInteger(facts.size) && facts.size >= 0 ? facts.size : undefined;
}

/** Decides whether `incoming` is the job `existing` (see {@link JobIdentity}). */
export function compareJobs(existing: ContentFacts, incoming: ContentFacts): JobIdentity {
  if (existing.peerUrl === incoming.peerUrl && existing.itemId === incoming.itemId) return "same-item";
  const size = knownSize(existing);
  if (size === undefined || size !== knownSize(incoming)) return "different";
  const roots = [rootOf(existing), rootOf(incoming)];
  if (roots[0] !== undefined && roots[1] !== undefined) return roots[0] === roots[1] ? "same-content" : "different";
  // No root on one side: the strong validator and the digest must both agree.
  const etag = existing.etag ?? "";
  if (etag === "" || etag !== incoming.etag) return "different";
  const sha = shaOf(existing);
  return sha !== undefined && sha === shaOf(incoming) ? "same-content" : "different";
}
