/** ListItems: pages of items in id order, filtered by share and name. */
import { create } from "@bufbuild/protobuf";
import { Code, type HandlerContext } from "@connectrpc/connect";
import { ListItemsResponseSchema, type ListItemsRequest, type ListItemsResponse } from "../../gen/peer/v1/peer_pb.js";
import { listOrderKey, type Catalog, type EmptyFolder, type FileEntry } from "../catalog/catalog.js";
import { fail } from "../errors.js";
import { folderItemMessage, itemMessage } from "./item-message.js";
import { isRootHex } from "../../common/pieces/hex.js";
import type { PiecesSource } from "./get-piece-hashes.js";
import { listByRoot } from "./list-by-root.js";
import { MAX_ITEM_ID_LENGTH } from "../catalog/item-id.js";
import { MAX_LIST_PAGE_ITEMS } from "../../common/wire/limits.js";

/** Page size when the request gives none. */
export const DEFAULT_PAGE_SIZE = 100;
/** Largest page served (1000); bigger requests are capped, not refused. Clients bound a page by it (common/wire/limits.ts). */
export const MAX_PAGE_SIZE = MAX_LIST_PAGE_ITEMS;

/** Page size for a request: 0 → default, above the cap → the cap, negative → undefined (invalid). Pure. */
export function resolvePageSize(requested: number): number | undefined {
  if (!Number.isInteger(requested) || requested < 0) return undefined;
  if (requested === 0) return DEFAULT_PAGE_SIZE;
  return Math.min(requested, MAX_PAGE_SIZE);
}

/** Longest accepted name query. */
const MAX_QUERY_LENGTH = 256;

/**
 * What is wrong with a request's `folder`, or undefined: a trailing `/`, a
 * share filter naming another share, or a pieces-root filter with it. Pure.
 */
export function folderRequestProblem(req: { folder: string; share: string; piecesRoot: string }): string | undefined {
  if (req.folder === "") return undefined;
  if (req.folder.length > MAX_ITEM_ID_LENGTH) return `folder is longer than ${MAX_ITEM_ID_LENGTH} characters`;
  if (req.folder.endsWith("/")) return "folder is an id without a trailing '/' (e.g. share/Shows/Season 1)";
  const share = req.folder.split("/", 1)[0] as string;
  if (req.share !== "" && req.share !== share)
    return `folder ${JSON.stringify(req.folder.slice(0, 100))} is not in share ${JSON.stringify(req.share.slice(0, 100))}; leave share empty`;
  if (req.piecesRoot !== "") return "folder and pieces_root cannot be combined; send one of them";
  return undefined;
}

/** Code-unit order, the order of ids in pages. */
function compareKeys(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Creates the ListItems implementation. */
export function createListItems(catalog: Catalog, pieces?: PiecesSource) {
  return async function listItems(req: ListItemsRequest, ctx: HandlerContext): Promise<ListItemsResponse> {
    const pageSize = resolvePageSize(req.pageSize);
    if (pageSize === undefined)
      throw fail(Code.InvalidArgument, `page_size must be >= 0 (0 = ${DEFAULT_PAGE_SIZE}), got ${req.pageSize}`);
    if (req.query.length > MAX_QUERY_LENGTH)
      throw fail(Code.InvalidArgument, `query is longer than ${MAX_QUERY_LENGTH} characters`);
    const folderProblem = folderRequestProblem(req);
    if (folderProblem !== undefined) throw fail(Code.InvalidArgument, folderProblem);
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
      folder: req.folder || undefined,
    };
    if (req.piecesRoot !== "" && pieces === undefined) {
      throw fail(Code.Unimplemented, 'this server does not compute pieces roots (no "pieces" capability)');
    }
    const page =
      req.piecesRoot !== "" && pieces !== undefined
        ? await listByRoot(catalog, pieces, { ...request, piecesRoot: req.piecesRoot })
        : await catalog.list(request);
    const listed: Array<FileEntry | EmptyFolder> = [...page.items, ...(page.emptyFolders ?? [])];
    if (page.emptyFolders !== undefined && page.emptyFolders.length > 0)
      listed.sort((a, b) => compareKeys(listOrderKey(a), listOrderKey(b)));
    return create(ListItemsResponseSchema, {
      items: listed.map((x) => ("etag" in x ? itemMessage(x) : folderItemMessage(x))),
      nextPageToken: page.nextPageToken ?? "",
    });
  };
}
