/**
 * ListItems with `pieces_root`: "do you have this content?". The store's
 * index gives the candidate ids (any version); each is stat'ed and kept only
 * when its current version has that root, then the share and name filters
 * apply. Pages in id order with the same tokens as the plain listing.
 */
import type { Catalog, FileEntry, ListPage } from "../catalog/catalog.js";
import { decodePageToken, encodePageToken } from "../catalog/page-token.js";
import type { PiecesSource } from "./get-piece-hashes.js";

/** One request for {@link listByRoot}. */
export interface ListByRootRequest {
  /** 64 lower-case hex, already checked. */
  readonly piecesRoot: string;
  /** Only this share when set. */
  readonly share?: string | undefined;
  /** Case-insensitive substring of the name when set. */
  readonly query?: string | undefined;
  /** Items per page, already clamped. */
  readonly pageSize: number;
  /** Token of a previous page. */
  readonly pageToken?: string | undefined;
  /** Aborts a long scan. */
  readonly signal?: AbortSignal | undefined;
}

/** Candidate ids read from the store per step. */
const BATCH = 256;

/** Items whose current version has `piecesRoot`, one page. */
export async function listByRoot(
  catalog: Catalog,
  pieces: PiecesSource,
  request: ListByRootRequest,
): Promise<ListPage> {
  let cursor = request.pageToken ? decodePageToken(request.pageToken) : undefined;
  const query = request.query?.toLowerCase();
  const items: FileEntry[] = [];
  for (;;) {
    request.signal?.throwIfAborted();
    const after = cursor !== undefined ? { afterId: cursor } : {};
    const ids = await pieces.itemIdsWithRoot(request.piecesRoot, { ...after, limit: BATCH });
    for (const id of ids) {
      if (request.share !== undefined && !id.startsWith(request.share + "/")) continue;
      const entry = await catalog.stat(id);
      if (entry === undefined || entry.piecesRoot !== request.piecesRoot) continue;
      if (query !== undefined && !entry.name.toLowerCase().includes(query)) continue;
      if (items.length === request.pageSize) {
        const last = items[items.length - 1] as FileEntry;
        return { items, nextPageToken: encodePageToken(last.id) };
      }
      items.push(entry);
    }
    if (ids.length < BATCH) return { items };
    cursor = ids[ids.length - 1];
  }
}
