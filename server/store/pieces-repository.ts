import type { Kysely, Transaction } from "kysely";
import type { ServerDatabase } from "./database.js";

type Db = Kysely<ServerDatabase> | Transaction<ServerDatabase>;

/** The cached tree of one item version. */
export interface StoredPieces {
  /** Lower-case hex pieces root; "" for an empty file. */
  readonly piecesRoot: string;
  /** Piece length of `layer`. */
  readonly pieceLength: number;
  /** Lower-case hex of the concatenated piece layer; "" for at most one piece. */
  readonly layer: string;
}

/** The cached tree of an item, only if computed for exactly this etag; `undefined` otherwise. */
export async function getPieces(db: Db, itemId: string, etag: string): Promise<StoredPieces | undefined> {
  const row = await db
    .selectFrom("file_pieces")
    .select(["pieces_root", "piece_length", "layer"])
    .where("item_id", "=", itemId)
    .where("etag", "=", etag)
    .executeTakeFirst();
  if (row === undefined) return undefined;
  return { piecesRoot: row.pieces_root, pieceLength: Number(row.piece_length), layer: row.layer };
}

/** Root and piece length of an item for this etag, without the layer (listings); `undefined` when not cached. */
export async function getPiecesRoot(
  db: Db,
  itemId: string,
  etag: string,
): Promise<Omit<StoredPieces, "layer"> | undefined> {
  const row = await db
    .selectFrom("file_pieces")
    .select(["pieces_root", "piece_length"])
    .where("item_id", "=", itemId)
    .where("etag", "=", etag)
    .executeTakeFirst();
  return row === undefined ? undefined : { piecesRoot: row.pieces_root, pieceLength: Number(row.piece_length) };
}

/** Stores the tree of an item for an etag, replacing whatever was cached for the item. */
export async function putPieces(
  db: Db,
  itemId: string,
  etag: string,
  pieces: StoredPieces,
  computedAt: number = Date.now(),
): Promise<void> {
  const values = {
    etag,
    pieces_root: pieces.piecesRoot,
    piece_length: pieces.pieceLength,
    layer: pieces.layer,
    computed_at: computedAt,
  };
  await db
    .insertInto("file_pieces")
    .values({ item_id: itemId, ...values })
    .onConflict((oc) => oc.column("item_id").doUpdateSet(values))
    .execute();
}

/**
 * Ids of items whose cached root is `piecesRoot`, in id order, after `afterId`
 * when given, at most `limit`. The etag is not checked here: callers stat each
 * item and keep it only when its current version has this root.
 */
export async function itemIdsWithRoot(
  db: Db,
  piecesRoot: string,
  options: { afterId?: string; limit: number },
): Promise<string[]> {
  let query = db.selectFrom("file_pieces").select("item_id").where("pieces_root", "=", piecesRoot);
  if (options.afterId !== undefined) query = query.where("item_id", ">", options.afterId);
  const rows = await query.orderBy("item_id").limit(options.limit).execute();
  return rows.map((r) => r.item_id);
}

/** Forgets the tree of an item. Returns whether one was stored. */
export async function deletePieces(db: Db, itemId: string): Promise<boolean> {
  const result = await db.deleteFrom("file_pieces").where("item_id", "=", itemId).executeTakeFirst();
  return result.numDeletedRows > 0n;
}

/** SHA-256 and (when stored) pieces root of an item version, in one query; undefined when no digest is cached. */
export async function getContentDigest(
  db: Db,
  itemId: string,
  etag: string,
): Promise<{ sha256: string; piecesRoot?: string; pieceLength?: number } | undefined> {
  const row = await db
    .selectFrom("file_digest")
    .leftJoin("file_pieces", (join) =>
      join.onRef("file_pieces.item_id", "=", "file_digest.item_id").onRef("file_pieces.etag", "=", "file_digest.etag"),
    )
    .select(["file_digest.sha256", "file_pieces.pieces_root", "file_pieces.piece_length"])
    .where("file_digest.item_id", "=", itemId)
    .where("file_digest.etag", "=", etag)
    .executeTakeFirst();
  if (row === undefined) return undefined;
  if (row.pieces_root === null || row.piece_length === null) return { sha256: row.sha256 };
  return { sha256: row.sha256, piecesRoot: row.pieces_root, pieceLength: Number(row.piece_length) };
}
