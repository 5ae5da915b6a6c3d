/**
 * A catalog rooted in directories on disk. Nothing is cached: every call
 * stats the file system, so files added, changed or removed while the server
 * runs are seen at once, and a deleted file is never served from a stale list.
 *
 * Confinement, twice: parseItemId() refuses ids that could name something
 * outside a share, then realpath() must land strictly below the share's real
 * root (a symlink pointing out of the share resolves to NOT_FOUND).
 */
import { realpathSync, statSync, type BigIntStats } from "node:fs";
import { realpath, stat } from "node:fs/promises";
import path from "node:path";
import {
  UnknownFolderError,
  type Catalog,
  type EmptyFolder,
  type FileEntry,
  type FolderChild,
  type FolderListing,
  type ListPage,
  type ListRequest,
} from "./catalog.js";
import { parseItemId } from "./item-id.js";
import { decodePageToken, encodePageToken } from "./page-token.js";
import { createDirListingCache, type DirChild } from "./dir-listing-cache.js";
import { contentTypeFor, strongEtag } from "../files/validators.js";

/** What a digest source knows about one version: its SHA-256, and its pieces root once hashed (docs/pieces.md). */
export interface ContentDigest {
  /** Lower-case hex SHA-256. */
  readonly sha256: string;
  /** Lower-case hex pieces root ("" for an empty file); undefined when not computed. */
  readonly piecesRoot?: string | undefined;
  /** Piece length of the cached piece layer; undefined with `piecesRoot`. */
  readonly pieceLength?: number | undefined;
}

/** Where digests come from: the background hasher (it schedules a hash when the digest is unknown). */
export interface DigestSource {
  /** Lower-case hex SHA-256 of `entry` when known for its etag; never waits for hashing. */
  sha256For(entry: FileEntry): Promise<string | undefined>;
  /** SHA-256 and pieces root in one lookup; used instead of sha256For when present. Never waits for hashing. */
  contentFor?(entry: FileEntry): Promise<ContentDigest | undefined>;
}

/** One shared directory. */
export interface ShareSpec {
  /** Share name: first segment of item ids. */
  readonly name: string;
  /** Directory on disk. */
  readonly dir: string;
}

/** Options of {@link createDirCatalog}. */
export interface DirCatalogOptions {
  /** Fills `sha256` of entries when known; none by default. */
  readonly digests?: DigestSource | undefined;
}

interface Root {
  readonly name: string;
  /** Real path of the share directory, with a trailing separator for prefix checks. */
  readonly prefix: string;
  readonly real: string;
}

/** Real-path confinement: strictly below the root. */
function isInside(root: Root, real: string): boolean {
  return real.startsWith(root.prefix) && real.length > root.prefix.length;
}

/**
 * Creates a {@link Catalog} over `shares`. Share directories are resolved with
 * realpath now and must exist; names must be unique.
 */
export function createDirCatalog(shares: ReadonlyArray<ShareSpec>, options: DirCatalogOptions = {}): Catalog {
  const roots = new Map<string, Root>();
  for (const share of shares) {
    if (roots.has(share.name))
      throw new Error(`share name "${share.name}" is used twice; give each share its own name`);
    const real = realpathSync(share.dir);
    if (!statSync(real).isDirectory()) throw new Error(`share "${share.name}": ${share.dir} is not a directory`);
    roots.set(share.name, { name: share.name, real, prefix: real.endsWith(path.sep) ? real : real + path.sep });
  }
  const shareNames = [...roots.keys()].sort();
  // Id order is plain string order; a share's ids all start with "name/".
  const walkOrder = [...roots.values()].sort((a, b) => compare(a.name + "/", b.name + "/"));
  const digests = options.digests;
  const listings = createDirListingCache();

  async function toEntry(root: Root, id: string, name: string, real: string, st: BigIntStats): Promise<FileEntry> {
    const size = Number(st.size);
    const base = {
      id,
      share: root.name,
      name,
      path: real,
      size,
      modified: new Date(Number(st.mtimeNs / 1_000_000n)),
      mtimeNs: st.mtimeNs,
      dev: st.dev,
      ino: st.ino,
      etag: strongEtag(st.size, st.mtimeNs, st.ino),
      contentType: contentTypeFor(name),
    } satisfies FileEntry;
    const known = digests === undefined ? undefined : await lookUp(digests, base).catch(() => undefined);
    if (known === undefined) return base;
    if (known.piecesRoot === undefined) return { ...base, sha256: known.sha256 };
    return { ...base, sha256: known.sha256, piecesRoot: known.piecesRoot, pieceLength: known.pieceLength };
  }

  async function statItem(itemId: string): Promise<FileEntry | undefined> {
    const parsed = parseItemId(itemId);
    if (parsed === undefined) return undefined;
    const root = roots.get(parsed.share);
    if (root === undefined) return undefined;
    try {
      const real = await realpath(path.join(root.real, ...parsed.segments));
      if (!isInside(root, real)) return undefined;
      const st = await stat(real, { bigint: true });
      if (!st.isFile()) return undefined;
      return await toEntry(root, itemId, parsed.segments[parsed.segments.length - 1] ?? "", real, st);
    } catch {
      // ENOENT, EACCES, ELOOP, ENOTDIR, ENAMETOOLONG: all simply "not found".
      return undefined;
    }
  }

  /** The real directory of a folder id (`share` or `share/a/b`); undefined when unknown, not a folder, or escaping. */
  async function folderDir(folderId: string): Promise<{ root: Root; dirReal: string } | undefined> {
    const parsed = parseItemId(folderId.includes("/") ? folderId : `${folderId}/x`);
    const root = parsed === undefined ? undefined : roots.get(parsed.share);
    if (parsed === undefined || root === undefined) return undefined;
    const segments = folderId.includes("/") ? parsed.segments : [];
    try {
      const dirReal = await realpath(path.join(root.real, ...segments));
      if (dirReal !== root.real && !isInside(root, dirReal)) return undefined;
      if (!(await stat(dirReal)).isDirectory()) return undefined;
      return { root, dirReal };
    } catch {
      return undefined;
    }
  }

  async function list(request: ListRequest): Promise<ListPage> {
    const after = request.pageToken ? decodePageToken(request.pageToken) : undefined;
    const query = request.query ? request.query.toLowerCase() : undefined;
    const pageSize = Math.max(1, Math.floor(request.pageSize));
    const signal = request.signal;
    const items: FileEntry[] = [];
    const emptyFolders: EmptyFolder[] = [];
    // Empty folders are listed by folder listings only, and not when filtering by name.
    const listFolders = request.folder !== undefined && query === undefined;
    let lastKey: string | undefined;
    let more = false;

    /** True when every id starting with `prefix` sorts at or before `after`. */
    const pruned = (prefix: string): boolean =>
      after !== undefined && !after.startsWith(prefix) && compare(after, prefix) > 0;

    let steps = 0;
    /** Walks one directory; true when anything under it was listed (or would be, on a later page). */
    async function walk(root: Root, dirReal: string, idPrefix: string, nested: boolean): Promise<boolean> {
      if (pruned(idPrefix)) return true;
      let found = false;
      const children = await listings.children(dirReal);
      if (children === undefined) return false; // vanished or unreadable: nothing to list there
      // Children are sorted by key, so those entirely at or before the token
      // form a prefix of the array: skip it by binary search.
      let i = after === undefined ? 0 : firstAfter(children, idPrefix, after);
      for (; i < children.length; i++) {
        if (more) return true;
        // Long runs of non-matching names: let other work in now and then.
        if (++steps % 2048 === 0) await new Promise<void>((resolve) => setImmediate(resolve));
        signal?.throwIfAborted();
        const child = children[i] as DirChild;
        const id = idPrefix + child.name;
        const childPath = path.join(dirReal, child.name);
        if (child.kind === "dir") {
          if (await walk(root, childPath, id + "/", true)) found = true;
          continue;
        }
        if (query !== undefined && !child.name.toLowerCase().includes(query)) continue;
        const file = await fileAt(root, childPath, child.kind);
        if (file === undefined) continue;
        found = true;
        if (items.length + emptyFolders.length === pageSize) {
          more = true; // one match beyond the page: there is a next page
          return true;
        }
        items.push(await toEntry(root, id, child.name, file.real, file.st));
        lastKey = id;
      }
      // A folder sorts as its id + "/", before everything under it: list it only
      // when nothing under it was skipped by the token and nothing was found.
      if (found || !nested || !listFolders || (after !== undefined && compare(idPrefix, after) <= 0)) return found;
      if (items.length + emptyFolders.length === pageSize) {
        more = true;
        return true;
      }
      const id = idPrefix.slice(0, -1);
      emptyFolders.push({ id, share: root.name, name: id.slice(id.lastIndexOf("/") + 1) });
      lastKey = idPrefix;
      return true;
    }

    if (request.folder !== undefined) {
      const start = await folderDir(request.folder);
      if (start === undefined) throw new UnknownFolderError(request.folder);
      await walk(start.root, start.dirReal, `${request.folder}/`, false);
    } else {
      const selected = request.share ? walkOrder.filter((r) => r.name === request.share) : walkOrder;
      for (const root of selected) {
        if (more) break;
        await walk(root, root.real, root.name + "/", false);
      }
    }
    const page = listFolders ? { items, emptyFolders } : { items };
    return more && lastKey !== undefined ? { ...page, nextPageToken: encodePageToken(lastKey) } : page;
  }

  /** A regular file at `childPath` that stays inside the share (symlinked files are followed, directories not). */
  async function fileAt(
    root: Root,
    childPath: string,
    kind: DirChild["kind"],
  ): Promise<{ real: string; st: BigIntStats } | undefined> {
    try {
      const real = kind === "symlink" ? await realpath(childPath) : childPath;
      if (kind === "symlink" && !isInside(root, real)) return undefined;
      const st = await stat(real, { bigint: true });
      return st.isFile() ? { real, st } : undefined;
    } catch {
      return undefined;
    }
  }

  async function folder(
    folderId: string,
    options: { readonly limit?: number | undefined } = {},
  ): Promise<FolderListing | undefined> {
    const limit = Math.max(1, Math.floor(options.limit ?? DEFAULT_FOLDER_LIMIT));
    const dirReal = (await folderDir(folderId))?.dirReal;
    if (dirReal === undefined) return undefined;
    const children = await listings.children(dirReal);
    if (children === undefined) return undefined;
    const out: FolderChild[] = [];
    const idPrefix = `${folderId}/`;
    for (const child of children) {
      if (out.length === limit) return { children: out, truncated: true };
      const id = idPrefix + child.name;
      if (child.kind === "dir") {
        out.push({ kind: "folder", name: child.name, id });
        continue;
      }
      const entry = await statItem(id);
      if (entry !== undefined) out.push({ kind: "file", entry });
    }
    return { children: out, truncated: false };
  }

  return {
    shares: () => shareNames,
    stat: statItem,
    list,
    folder,
  };
}

/** Most children {@link Catalog.folder} returns by default. */
export const DEFAULT_FOLDER_LIMIT = 5000;
/** One lookup through contentFor when the source has it, else sha256For. */
async function lookUp(digests: DigestSource, entry: FileEntry): Promise<ContentDigest | undefined> {
  if (digests.contentFor !== undefined) return digests.contentFor(entry);
  const sha256 = await digests.sha256For(entry);
  return sha256 === undefined ? undefined : { sha256 };
}

/** Code-unit string order, the order of ids in pages. */
function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * Index of the first child not entirely at or before `after` (the last id
 * already returned): a file whose id is > after, or a directory whose subtree
 * may hold such ids. The predicate is monotone over children sorted by key.
 */
function firstAfter(children: readonly DirChild[], idPrefix: string, after: string): number {
  let lo = 0;
  let hi = children.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    const child = children[mid] as DirChild;
    const full = idPrefix + child.key;
    const done = child.kind === "dir" ? compare(full, after) < 0 && !after.startsWith(full) : compare(full, after) <= 0;
    if (done) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
