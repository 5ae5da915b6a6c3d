/**
 * Sorted directory listings, cached per directory and revalidated with one
 * stat per use. Paging through a large directory would otherwise re-read and
 * re-sort it for every page (measured: 20k files, 100 per page → ~250 ms a
 * page, 50 s in all, with event-loop stalls of ~0.5 s on a loaded 2-core box).
 *
 * A directory's mtime changes whenever an entry is added, removed or renamed,
 * so (ino, mtime, ctime) tells whether the cached names are still right. As in
 * git's "racy" index check, a listing whose directory changed within the last
 * {@link RACY_WINDOW_MS} is not cached: a second change in the same clock tick
 * could leave the mtime equal.
 */
import type { BigIntStats, Dirent } from "node:fs";
import { readdir, stat } from "node:fs/promises";

/** One entry of a directory, as the walk needs it. */
export interface DirChild {
  /** File name. */
  readonly name: string;
  /** Sort key: the name, plus "/" for directories, so that ids come out in string order. */
  readonly key: string;
  /** What the entry is, without following symlinks. */
  readonly kind: "dir" | "file" | "symlink";
}

/** Directories modified more recently than this are listed but not cached. */
export const RACY_WINDOW_MS = 2000;

/** Options of {@link createDirListingCache}. */
export interface DirListingCacheOptions {
  /** Names kept in all cached listings together; least recently used listings go first. @default 200000 */
  readonly maxNames?: number;
  /** Clock, for the racy window. @default Date.now */
  readonly now?: () => number;
  /** Listings below this many names are not worth caching. @default 256 */
  readonly minNamesToCache?: number;
}

/** Sorted, cached directory listings. */
export interface DirListingCache {
  /** The directory's children sorted by key; undefined when it cannot be read. Never a stale listing. */
  children(dir: string): Promise<readonly DirChild[] | undefined>;
}

interface Cached {
  readonly stamp: string;
  readonly children: readonly DirChild[];
}

/** Names that cannot round-trip as an id segment (and could not be stat'ed by id) are left out. */
function listable(name: string): boolean {
  return name !== "." && name !== ".." && !/[\\\u0000-\u001f\u007f]/.test(name);
}

function stampOf(st: BigIntStats): string {
  return `${st.dev}:${st.ino}:${st.mtimeNs}:${st.ctimeNs}`;
}

/** Code-unit string order. */
function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Creates a {@link DirListingCache}. */
export function createDirListingCache(options: DirListingCacheOptions = {}): DirListingCache {
  const maxNames = options.maxNames ?? 200_000;
  const now = options.now ?? Date.now;
  const minNames = options.minNamesToCache ?? 256;
  const cache = new Map<string, Cached>();
  let cachedNames = 0;

  function remember(dir: string, entry: Cached): void {
    if (entry.children.length < minNames || entry.children.length > maxNames) return;
    cache.set(dir, entry);
    cachedNames += entry.children.length;
    for (const [oldest, old] of cache) {
      if (cachedNames <= maxNames) break;
      cache.delete(oldest);
      cachedNames -= old.children.length;
    }
  }

  function forget(dir: string): void {
    const old = cache.get(dir);
    if (old === undefined) return;
    cache.delete(dir);
    cachedNames -= old.children.length;
  }

  return {
    async children(dir) {
      let st: BigIntStats;
      try {
        st = await stat(dir, { bigint: true });
      } catch {
        forget(dir);
        return undefined;
      }
      const stamp = stampOf(st);
      const hit = cache.get(dir);
      if (hit !== undefined && hit.stamp === stamp) {
        cache.delete(dir); // LRU: move to the end
        cache.set(dir, hit);
        return hit.children;
      }
      forget(dir);
      let dirents: Dirent[];
      try {
        dirents = await readdir(dir, { withFileTypes: true });
      } catch {
        return undefined;
      }
      const children: DirChild[] = [];
      for (const d of dirents) {
        if (!listable(d.name)) continue;
        if (d.isDirectory()) children.push({ name: d.name, key: d.name + "/", kind: "dir" });
        else if (d.isFile()) children.push({ name: d.name, key: d.name, kind: "file" });
        else if (d.isSymbolicLink()) children.push({ name: d.name, key: d.name, kind: "symlink" });
      }
      children.sort((a, b) => compare(a.key, b.key));
      const racy =
        now() - Number(st.mtimeNs / 1_000_000n) < RACY_WINDOW_MS ||
        now() - Number(st.ctimeNs / 1_000_000n) < RACY_WINDOW_MS;
      if (!racy) remember(dir, { stamp, children });
      return children;
    },
  };
}
