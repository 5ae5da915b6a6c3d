import type { Generated, Insertable, Selectable } from "kysely";

/**
 * A cached SHA-256 of one item, valid only for the etag it was computed
 * under: a changed file has a new etag and so no cached digest.
 */
export interface FileDigestTable {
  /** Item id, `<share>/<relative/path>`. */
  item_id: string;
  /** The strong etag the digest was computed for. */
  etag: string;
  /** Lower-case hex SHA-256 of the file's bytes. */
  sha256: string;
  /** When the digest was stored, ms since the epoch (defaults to now). */
  computed_at: Generated<number>;
}

/** A row as read from `file_digest`. */
export type FileDigestRow = Selectable<FileDigestTable>;
/** A row to insert into `file_digest`. */
export type NewFileDigestRow = Insertable<FileDigestTable>;
