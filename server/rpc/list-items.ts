/** ListItems: pages of items in id order, filtered by share and name. */
import { create } from "@bufbuild/protobuf";
import { Code, type HandlerContext } from "@connectrpc/connect";
import { ListItemsResponseSchema, type ListItemsRequest, type ListItemsResponse } from "../../gen/peer/v1/peer_pb.js";
import type { Catalog } from "../catalog/catalog.js";
import { fail } from "../errors.js";
import { itemMessage } from "./item-message.js";
import { isRootHex } from "../../common/pieces/hex.js";
import type { PiecesSource } from "./get-piece-hashes.js";
import { listByRoot } from "./list-by-root.js";

/** Page size when the request gives none. */
export const DEFAULT_PAGE_SIZE = 100;
/** Largest page served; bigger requests are capped, not refused. */
export const MAX_PAGE_SIZE = 1000;

/** Page size for a request: 0 → default, above the cap → the cap, negative → undefined (invalid). Pure. */
export function resolvePageSize(requested: number): number | undefined {
  if (!Number.isInteger(requested) || requested < 0) return undefined;
  if (requested === 0) return DEFAULT_PAGE_SIZE;
  return Math.min(requested, MAX_PAGE_SIZE);
}

/** Longest accepted name query. */
const MAX_QUERY_LENGTH = 256;

/** Creates the ListItems implementation. */
export function createListItems(catalog: Catalog, pieces?: PiecesSource) {
  return async function listItems(req: ListItemsRequest, ctx: HandlerContext): Promise<ListItemsResponse> {
    const pageSize = resolvePageSize(req.pageSize);
    if (pageSize === undefined)
      throw fail(Code.InvalidArgument, `page_size must be >= 0 (0 = ${DEFAULT_PAGE_SIZE}), got ${req.pageSize}`);
    if (req.query.length > MAX_QUERY_LENGTH)
      throw fail(Code.InvalidArgument, `query is longer than ${MAX_QUERY_LENGTH} characters`);
    if (req.share !== "" && !catalog.shares().includes(req.share)) {
      throw fail(
        Code.NotFound,
        `share ${JSON.stringify(req.share.slice(0, 100))} not found; Handshake lists the shares`,
      );
    }
    if (req.piecesRoot !== "" && !isRootHex(req.piecesRoot)) {
      throw fail(
        Code.InvalidArgument,
        "pieces_root must be 64 lower-case hex characters (an Item's pieces_root), or empty",
      );
    }
    const request = {
      share: req.share || undefined,
      query: req.query || undefined,
      pageSize,
      pageToken: req.pageToken || undefined,
      signal: ctx.signal,
    };
    if (req.piecesRoot !== "" && pieces === undefined) {
      throw fail(Code.Unimplemented, 'this server does not compute pieces roots (no "pieces" capability)');
    }
    const page =
      req.piecesRoot !== "" && pieces !== undefined
        ? await listByRoot(catalog, pieces, { ...request, piecesRoot: req.piecesRoot })
        : await catalog.list(request);
    return create(ListItemsResponseSchema, {
      items: page.items.map(itemMessage),
      nextPageToken: page.nextPageToken ?? "",
    });
  };
}
