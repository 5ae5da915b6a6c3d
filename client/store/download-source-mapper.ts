/** The one `download_source` row → public shape mapper (no key material: `key_ref` stays inside). */
import type { DownloadSourceRow, SourceKind } from "./download-source.table.js";

/** `banned`: never asked again by this job; `waiting`: backing off until `nextRetryAt`; `ready`: may be asked. */
export type DownloadSourceState = "banned" | "waiting" | "ready";

/** One source of a job, as `DownloadManager.sources()` and `peer downloads show` report it. */
export interface DownloadSource {
  /** A peer speaking the peer protocol, or a plain HTTP(S) mirror. */
  readonly kind: SourceKind;
  /** The peer's base URL or the mirror's URL. */
  readonly url: string;
  /** True for the job's primary peer (the one asked for the item's size, validators and piece hashes). */
  readonly primary: boolean;
  /** Peer: the item id it holds the content under; null for a mirror, or until found by pieces root. */
  readonly itemId: string | null;
  /** Transport used for a peer; null for a mirror. */
  readonly transport: string | null;
  /** Verified bytes it delivered, over all attempts. */
  readonly bytesDelivered: number;
  /** Its last measured rate in bytes per second (0 until measured). */
  readonly rate: number;
  /** Failures in a row. */
  readonly failures: number;
  /** When it may be asked again, while it backs off. */
  readonly nextRetryAt: Date | null;
  /** Why it was banned from the job (a piece that failed its hash), or null. */
  readonly bannedReason: string | null;
  /** Its last error, or null. */
  readonly lastError: string | null;
  /** Derived from the fields above at the time of the call. */
  readonly state: DownloadSourceState;
}

/** Maps a row (numbers may be strings on PostgreSQL); `primaryUrl` is the job's `peer_url`, `nowMs` the clock. */
export function toDownloadSource(row: DownloadSourceRow, primaryUrl: string, nowMs: number): DownloadSource {
  const nextRetry = row.next_retry_at === null ? null : Number(row.next_retry_at);
  const state: DownloadSourceState =
    row.banned_reason !== null ? "banned" : nextRetry !== null && nextRetry > nowMs ? "waiting" : "ready";
  return {
    kind: row.kind,
    url: row.url,
    primary: row.kind === "peer" && row.url === primaryUrl,
    itemId: row.item_id,
    transport: row.transport,
    bytesDelivered: Number(row.bytes_delivered),
    rate: Number(row.rate),
    failures: Number(row.failures),
    nextRetryAt: nextRetry === null ? null : new Date(nextRetry),
    bannedReason: row.banned_reason,
    lastError: row.last_error,
    state,
  };
}
