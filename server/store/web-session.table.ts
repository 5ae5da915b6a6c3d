import type { ColumnType, Insertable, Selectable } from "kysely";

/** A signed-in browser. Only the SHA-256 of the cookie value is stored. */
export interface WebSessionTable {
  /** Public session id (16 lower-case hex chars), safe to log. */
  id: ColumnType<string, string, never>;
  /** Lower-case hex SHA-256 of the cookie value. */
  token_hash: ColumnType<string, string, never>;
  /** The API key the browser signed in with; the session dies with it. */
  key_id: ColumnType<string, string, never>;
  /** Creation time, ms since the epoch. */
  created_at: ColumnType<number | string, number, never>;
  /** Expiry, ms since the epoch. */
  expires_at: ColumnType<number | string, number, never>;
}

/** A row as read from `web_session`. */
export type WebSessionRow = Selectable<WebSessionTable>;
/** A row to insert into `web_session`. */
export type NewWebSessionRow = Insertable<WebSessionTable>;
