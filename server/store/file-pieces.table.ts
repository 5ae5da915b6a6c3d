import type { ColumnType, Insertable, Selectable } from "kysely";

/**
 * The BEP 52 tree of one item (docs/pieces.md), valid only for the etag it
 * was computed under, like `file_digest`.
 */
export interface FilePiecesTable {
  /** Item id, `<share>/<relative/path>`. */
  item_id: string;
  /** The strong etag the tree was computed for. */
  etag: string;
  /** Lower-case hex pieces root; "" for an empty file. */
  pieces_root: string;
  /** Piece length of `layer` (bigint: PostgreSQL drivers may read it as a string). */
  piece_length: ColumnType<number | string, number, number>;
  /** The piece layer: lower-case hex of concatenated 32-byte nodes; "" for at most one piece. */
  layer: string;
  /** When the row was stored, ms since the epoch (bigint, see piece_length). */
  computed_at: ColumnType<number | string, number, number>;
}

/** A row as read from `file_pieces`. */
export type FilePiecesRow = Selectable<FilePiecesTable>;
/** A row to insert into `file_pieces`. */
export type NewFilePiecesRow = Insertable<FilePiecesTable>;
