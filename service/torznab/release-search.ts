/**
 * Fan-out search: one query to every remote's catalog at once, each bounded by a timeout; a
 * remote that is down, slow or refuses is left out and reported, never failing the search.
 * Results are parsed as releases, matched (release-match.ts), merged and de-duplicated by
 * pieces root (docs/torznab.md "Search").
 */
import type { Item } from "../../gen/peer/v1/peer_pb.js";
import { titleWords, type ReleaseQuery, releaseCategory, releaseMatches } from "./release-match.js";
import { parseReleaseName } from "./release-name.js";

/** One remote's catalog, as the search sees it. */
export interface CatalogRemote {
  /** The remote's name (`peer remote add NAME …`). */
  name: string;
  /** Lists items whose name contains `query` (case-insensitive; empty for all), following pages, honouring `signal`. */
  list(query: string, signal: AbortSignal): AsyncIterable<Item>;
}

/** Where one release can be fetched from. */
export interface ReleaseHolder {
  remote: string;
  itemId: string;
}

/** One release found in the remotes' catalogs. */
export interface FoundRelease {
  title: string;
  /** The pieces root when the holders have hashed it; else `<remote>/<item id>`. */
  guid: string;
  size: number;
  modified: Date;
  category: number;
  /** Every remote holding the same bytes, first found first. */
  holders: ReleaseHolder[];
}

/** A remote the search left out, and why. */
export interface SearchFailure {
  remote: string;
  reason: string;
}

/** Search options. */
export interface SearchOptions {
  /** Per-remote time limit in ms (default 10,000). */
  timeoutMs?: number;
  /** Most items read from one remote (default 5,000): bounds work for an RSS sync of a huge library. */
  maxItemsPerRemote?: number;
  /** A share's category overrides the parse (`--share NAME=DIR --category N`). */
  shareCategory?: (share: string) => number | undefined;
}

/** Default per-remote timeout. */
export const SEARCH_TIMEOUT_MS = 10_000;
/** Default most items read per remote. */
export const MAX_ITEMS_PER_REMOTE = 5_000;

/** Searches every remote at once; releases newest first. */
export async function searchRemotes(
  remotes: CatalogRemote[],
  query: ReleaseQuery,
  options: SearchOptions = {},
): Promise<{ releases: FoundRelease[]; failures: SearchFailure[] }> {
  const needle = catalogNeedle(query.q);
  const outcomes = await Promise.all(remotes.map((remote) => searchOne(remote, needle, query, options)));
  const failures = outcomes.flatMap((outcome) => (outcome.failure ? [outcome.failure] : []));
  const releases = mergeByRoot(outcomes.flatMap((outcome) => outcome.found));
  releases.sort((a, b) => b.modified.getTime() - a.modified.getTime() || (a.title < b.title ? -1 : 1));
  return { releases, failures };
}

/**
 * ListItems matches a substring of the name, and scene names separate words with dots: ask for
 * the longest query word (most selective) and match the rest here.
 */
export function catalogNeedle(q: string): string {
  return titleWords(q).reduce((longest, word) => (word.length > longest.length ? word : longest), "");
}

async function searchOne(
  remote: CatalogRemote,
  needle: string,
  query: ReleaseQuery,
  options: SearchOptions,
): Promise<{ found: FoundRelease[]; failure?: SearchFailure }> {
  const controller = new AbortController();
  const timeoutMs = options.timeoutMs ?? SEARCH_TIMEOUT_MS;
  const found: FoundRelease[] = [];
  let timer: NodeJS.Timeout | undefined;
  // The timeout ends the wait even if a remote's stream ignores the abort signal.
  const timedOut = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      const error = new Error(`no answer within ${timeoutMs} ms`);
      controller.abort(error);
      reject(error);
    }, timeoutMs);
  });
  const packs = new Map<string, FoundRelease>();
  const collect = async () => {
    let read = 0;
    for await (const item of remote.list(needle, controller.signal)) {
      if (++read > (options.maxItemsPerRemote ?? MAX_ITEMS_PER_REMOTE)) break;
      const release = matchItem(remote.name, item, query, options);
      if (release) found.push(release);
      addToPack(packs, remote.name, item, query, options);
    }
    found.push(...packs.values());
  };
  try {
    await Promise.race([collect(), timedOut]);
    return { found };
  } catch (error) {
    return { found: [], failure: { remote: remote.name, reason: describe(error) } };
  } finally {
    clearTimeout(timer);
    controller.abort();
  }
}

function matchItem(remote: string, item: Item, query: ReleaseQuery, options: SearchOptions): FoundRelease | undefined {
  if (item.isFolder) return undefined;
  const parsed = parseReleaseName(item.name);
  const category = releaseCategory(parsed, options.shareCategory?.(item.share));
  if (!releaseMatches(parsed, category, query)) return undefined;
  return {
    title: item.name,
    guid: item.piecesRoot || `${remote}/${item.id}`,
    size: Number(item.size),
    modified: item.modified ? new Date(Number(item.modified.seconds) * 1000) : new Date(0),
    category,
    holders: [{ remote, itemId: item.id }],
  };
}

/**
 * A file whose folder is named as a season pack (`Show.S01.1080p/…`) makes that folder a release
 * of its own, fetched as a folder torrent (holder id `<folder>/`). Its size and date are those
 * of the files the listing returned under it: all of them in an RSS sync; in a search, those
 * whose names hold the query's longest word (docs/torznab.md "Season packs").
 */
function addToPack(
  packs: Map<string, FoundRelease>,
  remote: string,
  item: Item,
  query: ReleaseQuery,
  options: SearchOptions,
): void {
  const slash = item.id.lastIndexOf("/");
  const folderId = item.id.slice(0, slash);
  if (item.isFolder || slash <= item.share.length) return; // a file at the share's top has no pack folder
  const known = packs.get(folderId);
  const modified = item.modified ? new Date(Number(item.modified.seconds) * 1000) : new Date(0);
  if (known) {
    known.size += Number(item.size);
    if (modified > known.modified) known.modified = modified;
    return;
  }
  const folderName = folderId.slice(folderId.lastIndexOf("/") + 1);
  const parsed = parseReleaseName(folderName);
  if (!parsed.seasonPack) return;
  const category = releaseCategory(parsed, options.shareCategory?.(item.share));
  if (!releaseMatches(parsed, category, query)) return;
  packs.set(folderId, {
    title: folderName,
    guid: `${remote}/${folderId}/`,
    size: Number(item.size),
    modified,
    category,
    holders: [{ remote, itemId: `${folderId}/` }],
  });
}

/** The same pieces root at several remotes is one release held by each. */
function mergeByRoot(found: FoundRelease[]): FoundRelease[] {
  const byGuid = new Map<string, FoundRelease>();
  for (const release of found) {
    const seen = byGuid.get(release.guid);
    if (!seen) byGuid.set(release.guid, { ...release, holders: [...release.holders] });
    else if (!seen.holders.some((holder) => holder.remote === release.holders[0]?.remote))
      seen.holders.push(...release.holders);
  }
  return [...byGuid.values()];
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
