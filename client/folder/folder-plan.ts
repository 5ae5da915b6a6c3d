/**
 * What a folder listing becomes (docs/downloads.md "Folder jobs"): the files to download at their
 * checked relative paths, the empty folders to create, and the entries refused with a reason.
 * Pure: no file system, no store.
 */
import type { Item } from "../../gen/peer/v1/peer_pb.js";
import { checkRelativePath, findCollisions, type TreeEntry } from "./relative-path.js";

/** One file of the folder, as the peer listed it. */
export interface PlannedFile {
  /** Relative path under the folder (`/` separators), checked. */
  readonly rel: string;
  /** The peer's item id (`<folder>/<rel>`). */
  readonly itemId: string;
  readonly size: number;
  /** The peer's etag ("" when unknown). */
  readonly etag: string;
  /** 64 lower-case hex pieces root, or null while the peer has not hashed it. */
  readonly piecesRoot: string | null;
  /** The listed item, for the file job. */
  readonly item: Item;
}

/** An entry refused, and why (shown in the summary). */
export interface RefusedEntry {
  /** The relative path, or the item id when it is not under the folder. */
  readonly path: string;
  /** The peer's item id. */
  readonly itemId: string;
  readonly reason: string;
}

/** Result of {@link planFolder}. */
export interface FolderPlan {
  /** Files in id order. */
  readonly files: readonly PlannedFile[];
  /** Empty folders to create (relative paths). */
  readonly emptyFolders: readonly string[];
  readonly refused: readonly RefusedEntry[];
}

/** True for a usable pieces root. */
export function isRoot(root: string | null | undefined): root is string {
  return typeof root === "string" && /^[0-9a-f]{64}$/.test(root);
}

/** Plans `items` (a folder listing of `folderId`, any order) into files, empty folders and refusals. */
export function planFolder(folderId: string, items: readonly Item[], maxFileSize: number): FolderPlan {
  const prefix = `${folderId}/`;
  const refused: RefusedEntry[] = [];
  const checked: Array<TreeEntry & { item: Item }> = [];
  for (const item of [...items].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0))) {
    // An older server ignores `folder` and a lying one lists anything: only ids under the folder count.
    if (!item.id.startsWith(prefix)) {
      refused.push({ path: item.id, itemId: item.id, reason: `not under the folder ${folderId}` });
      continue;
    }
    const rel = item.id.slice(prefix.length);
    const check = checkRelativePath(rel);
    if (!check.ok) {
      refused.push({ path: rel, itemId: item.id, reason: check.reason });
      continue;
    }
    if (!item.isFolder && Number(item.size) > maxFileSize) {
      refused.push({ path: rel, itemId: item.id, reason: `${item.size} bytes, over the limit of ${maxFileSize}` });
      continue;
    }
    checked.push({ path: rel, kind: item.isFolder ? "folder" : "file", item });
  }
  const collisions = findCollisions(checked);
  const files: PlannedFile[] = [];
  const folders: string[] = [];
  for (const e of checked) {
    const reason = collisions.get(e.path);
    if (reason !== undefined) refused.push({ path: e.path, itemId: e.item.id, reason });
    else if (e.kind === "folder") folders.push(e.path);
    else files.push(toPlanned(e.path, e.item));
  }
  // An "empty" folder that holds listed files is not empty; creating its files creates it.
  const emptyFolders = folders.filter((f) => !files.some((x) => x.rel.startsWith(`${f}/`)));
  return { files, emptyFolders, refused };
}

function toPlanned(rel: string, item: Item): PlannedFile {
  return {
    rel,
    itemId: item.id,
    size: Number(item.size),
    etag: item.etag,
    piecesRoot: isRoot(item.piecesRoot) ? item.piecesRoot : null,
    item,
  };
}

/** The content key two files share when their bytes are the same: (pieces root, size); null without a root. */
export function contentKey(f: { readonly piecesRoot: string | null; readonly size: number }): string | null {
  return f.piecesRoot === null ? null : `${f.piecesRoot}:${f.size}`;
}

/**
 * Identical files inside one folder are fetched once: maps each file that has an earlier twin (same
 * content key, in id order) to that twin's relative path.
 */
export function findTwins(files: readonly PlannedFile[]): Map<string, string> {
  const first = new Map<string, string>();
  const twins = new Map<string, string>();
  for (const f of files) {
    const key = contentKey(f);
    if (key === null || f.size === 0) continue;
    const original = first.get(key);
    if (original === undefined) first.set(key, f.rel);
    else twins.set(f.rel, original);
  }
  return twins;
}
