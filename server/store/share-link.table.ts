import type { ColumnType, Insertable, Selectable } from "kysely";

/** A column stored as bigint: SQLite hands back numbers, PostgreSQL (pg) strings; repositories convert. */
type Big = ColumnType<number | string, number, number>;
type BigOrNull = ColumnType<number | string | null, number | null, number | null>;

/**
 * One share link. Only the SHA-256 of the token is stored; the token itself is
 * shown once, in the link's URL (docs/web.md).
 */
export interface ShareLinkTable {
  /** Public link id (16 lower-case hex chars), safe to log and to show. */
  id: ColumnType<string, string, never>;
  /** Lower-case hex SHA-256 of the token. */
  token_hash: ColumnType<string, string, never>;
  /** What the link opens: an item id (`share/a/b.txt`), or a folder ending in `/` (`share/dir/`). */
  target: ColumnType<string, string, never>;
  /** Free text given at creation, or null. */
  note: string | null;
  /** Id of the API key that created the link (web page), or null when made by the CLI. */
  created_by: string | null;
  /** Creation time, ms since the epoch. */
  created_at: ColumnType<number | string, number, never>;
  /** Expiry, ms since the epoch; null for never. */
  expires_at: BigOrNull;
  /** Revocation time, ms since the epoch; null while live. */
  revoked_at: BigOrNull;
  /** Whole-file downloads allowed (file links only), or null for unlimited. */
  max_downloads: BigOrNull;
  /** File bytes charged to the link so far (docs/web.md, "What counts as a download"). */
  bytes_served: Big;
  /** Last request that served bytes, ms since the epoch, or null. */
  last_used_at: BigOrNull;
}

/** A row as read from `share_link`. */
export type ShareLinkRow = Selectable<ShareLinkTable>;
/** A row to insert into `share_link`. */
export type NewShareLinkRow = Insertable<ShareLinkTable>;
