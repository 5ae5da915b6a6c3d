/**
 * The `download_source` table (client migration 0004): where a job's pieces come from.
 * A job (the `download` row) is for content at a destination; each source is a peer
 * (URL, key fingerprint, transport, the item id it holds the content under) or a plain
 * HTTP(S) mirror URL, with its own counters. Keys are never stored, only `key_ref`.
 */
import type { ColumnType, Insertable, Selectable, Updateable } from "kysely";

/** SQLite returns integers as numbers; PostgreSQL's bigint comes back as a string. */
type Int = ColumnType<number, number, number>;

/** A peer speaking the peer protocol, or a plain HTTP(S) URL serving the same bytes with ranges. */
export type SourceKind = "peer" | "mirror";

/** The `download_source` table. */
export interface DownloadSourceTable {
  id: string;
  download_id: string;
  kind: SourceKind;
  /** Peer base URL, or the mirror's full URL. Unique within a job. */
  url: string;
  /** Peer: `sha256:<16 hex>` fingerprint of its key (never the key). Null for a mirror. */
  key_ref: string | null;
  /** Peer: transport kind. Null for a mirror. */
  transport: string | null;
  /** Peer: the item id it holds the content under; null until found by pieces root. */
  item_id: string | null;
  /** Peer: its etag for the content (sent as If-Match); null until known. */
  etag: string | null;
  /** Verified bytes this source delivered, all attempts. */
  bytes_delivered: Int;
  /** Last measured rate in bytes per second (0 = not measured yet). */
  rate: Int;
  /** Failures in a row (0 after a good read). */
  failures: Int;
  /** Epoch ms before which the source is not asked again. */
  next_retry_at: Int | null;
  /** Non-null: banned from the job, and why (it sent a piece that failed its hash, or bytes of another size). */
  banned_reason: string | null;
  /** Its last error, for `peer downloads show`. */
  last_error: string | null;
  created_at: Int;
  updated_at: Int;
}

/** A source as read. */
export type DownloadSourceRow = Selectable<DownloadSourceTable>;
/** A source to insert. */
export type NewDownloadSourceRow = Insertable<DownloadSourceTable>;
/** A patch. */
export type DownloadSourceUpdate = Updateable<DownloadSourceTable>;
