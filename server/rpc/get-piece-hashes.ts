/**
 * GetPieceHashes: a page of an item's BEP 52 piece layer, from the cache the
 * background hasher fills (docs/pieces.md). Never waits for hashing: a root
 * not computed yet answers UNAVAILABLE with a `retry-after-ms` hint.
 */
import { create } from "@bufbuild/protobuf";
import { Code, type HandlerContext } from "@connectrpc/connect";
import {
  GetPieceHashesResponseSchema,
  type GetPieceHashesRequest,
  type GetPieceHashesResponse,
} from "../../gen/peer/v1/peer_pb.js";
import type { Catalog, FileEntry } from "../catalog/catalog.js";
import type { StoredPieces } from "../store/pieces-repository.js";
import { callStatsKey } from "../call-context.js";
import { fail, notFound, RETRY_AFTER_MS_HEADER } from "../errors.js";
import { pieceCount } from "../../common/pieces/tree.js";
import { planPieceHashesPage } from "./piece-hashes-page.js";

/** Where cached trees come from (the background hasher, which schedules a pass when one is missing). */
export interface PiecesSource {
  /** The cached tree of `entry`'s version, or undefined (a pass is then scheduled). */
  piecesFor(entry: FileEntry): Promise<StoredPieces | undefined>;
  /** Ids of items whose cached root is `piecesRoot`, in id order, after `afterId`, at most `limit`. */
  itemIdsWithRoot(piecesRoot: string, options: { afterId?: string; limit: number }): Promise<string[]>;
}

/** What the GetPieceHashes handler needs. */
export interface GetPieceHashesDeps {
  /** Resolves item ids. */
  readonly catalog: Catalog;
  /** Cached trees. */
  readonly pieces: PiecesSource;
  /** Suggested delay while the root is being computed. @default 1000 */
  readonly retryAfterMs?: number;
}

/** Creates the GetPieceHashes implementation. */
export function createGetPieceHashes(deps: GetPieceHashesDeps) {
  const retryAfterMs = deps.retryAfterMs ?? 1000;
  return async function getPieceHashes(
    req: GetPieceHashesRequest,
    ctx: HandlerContext,
  ): Promise<GetPieceHashesResponse> {
    const stats = ctx.values.get(callStatsKey);
    if (stats) stats.itemId = req.itemId;
    const entry = await deps.catalog.stat(req.itemId);
    if (entry === undefined) throw notFound(req.itemId);
    if (req.ifMatch !== "" && req.ifMatch !== entry.etag) {
      const message = "the item changed (if_match differs from its current etag); restart from piece 0";
      throw fail(Code.FailedPrecondition, message);
    }
    const pieces = await deps.pieces.piecesFor(entry);
    if (pieces === undefined) {
      throw fail(Code.Unavailable, `the pieces root of this item is being computed; retry after ${retryAfterMs} ms`, {
        metadata: { [RETRY_AFTER_MS_HEADER]: String(retryAfterMs) },
      });
    }
    const count = pieceCount(entry.size, pieces.pieceLength);
    const layer = Buffer.from(pieces.layer, "hex");
    const page = planPieceHashesPage(req, count, layer.length / 32);
    if (!page.ok) throw fail(page.code, page.message);
    return create(GetPieceHashesResponseSchema, {
      piecesRoot: pieces.piecesRoot,
      pieceLength: BigInt(pieces.pieceLength),
      pieceCount: BigInt(count),
      first: BigInt(page.first),
      hashes: page.end > page.first ? layer.subarray(page.first * 32, page.end * 32) : new Uint8Array(0),
      etag: entry.etag,
    });
  };
}
