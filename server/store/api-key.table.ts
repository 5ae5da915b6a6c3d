import type { ColumnType, Insertable, Selectable, Updateable } from "kysely";

/**
 * One API key. Only the SHA-256 hash of the secret is stored; the key itself
 * (`peer_<id>_<secret>`) is shown once at creation and never again.
 */
export interface ApiKeyTable {
  /** Public key id (16 lower-case hex chars), safe to log and to show. */
  id: ColumnType<string, string, never>;
  /** Human name given at creation (1–64 printable characters). */
  name: string;
  /** Lower-case hex SHA-256 of the secret part of the key. */
  hash: ColumnType<string, string, never>;
  /** Creation time, ms since the epoch. */
  created_at: ColumnType<number, number, never>;
  /** Expiry, ms since the epoch; `null` for a key that never expires. */
  expires_at: number | null;
  /** Revocation time, ms since the epoch; `null` while the key is live. */
  revoked_at: number | null;
  /** Last successful authentication, ms since the epoch (updated at most once a minute). */
  last_used_at: number | null;
  /** The key's scopes, comma-separated (server/auth/scope.ts); `read` for keys made before scopes existed. */
  scopes: ColumnType<string, string | undefined, never>;
}

/** A row as read from `api_key`. */
export type ApiKeyRow = Selectable<ApiKeyTable>;
/** A row to insert into `api_key`. */
export type NewApiKeyRow = Insertable<ApiKeyTable>;
/** The columns of `api_key` that may change. */
export type ApiKeyUpdate = Updateable<ApiKeyTable>;
