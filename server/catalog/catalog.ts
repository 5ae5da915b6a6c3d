/**
 * The catalog: what a serving peer shares, resolved on demand from disk.
 *
 * Item ids are `<share>/<relative/path>` with `/` separators. A catalog never
 * returns an entry outside a share's root (no `..`, no encoded separators, no
 * symlink that leaves the root): such ids resolve to `undefined`, exactly like
 * unknown ids, so callers answer NOT_FOUND / 404 without revealing which.
 */

/** One file of a share, as stat'ed just now. */
export interface FileEntry {
  /** `<share>/<relative/path>`. */
  readonly id: string;
  /** Name of the share the file belongs to. */
  readonly share: string;
  /** Plain basename. */
  readonly name: string;
  /** Absolute, symlink-resolved path on disk. Never sent to clients or logged at info level. */
  readonly path: string;
  /** Size in bytes. */
  readonly size: number;
  /** Last modification time (ms precision). */
  readonly modified: Date;
  /** Last modification time in ns, as stat'ed with `bigint: true`. */
  readonly mtimeNs: bigint;
  /** Device id, for change detection. */
  readonly dev: bigint;
  /** Inode number, for change detection. */
  readonly ino: bigint;
  /** Strong validator, quoted per RFC 9110 §8.8.3, from size + mtime (ns) + inode. */
  readonly etag: string;
  /** Media type guessed from the extension; `application/octet-stream` when unknown. */
  readonly contentType: string;
  /** Lower-case hex SHA-256 when the background hasher has it for this etag. */
  readonly sha256?: string | undefined;
  /** Lower-case hex BEP 52 pieces root when hashed for this etag ("" for an empty file); see docs/pieces.md. */
  readonly piecesRoot?: string | undefined;
  /** Piece length of the cached piece layer, with `piecesRoot`. */
  readonly pieceLength?: number | undefined;
}

/** A page request for {@link Catalog.list}. */
export interface ListRequest {
  /** Only this share; all shares when empty or undefined. */
  readonly share?: string | undefined;
  /** Case-insensitive substring of the name; all when empty or undefined. */
  readonly query?: string | undefined;
  /** Items per page, already clamped by the caller. */
  readonly pageSize: number;
  /** Opaque token from a previous page; first page when empty or undefined. */
  readonly pageToken?: string | undefined;
  /** Aborts a long walk. */
  readonly signal?: AbortSignal | undefined;
  /**
   * Only the files under this folder id (`share` or `share/a/b`), recursively,
   * plus its empty folders in `emptyFolders`; throws {@link UnknownFolderError}
   * when it is not a folder of a share. All files when undefined.
   */
  readonly folder?: string | undefined;
}

/** A folder with nothing listable under it (listed by folder listings so that clients recreate it). */
export interface EmptyFolder {
  /** `share/a/b` (no trailing slash). */
  readonly id: string;
  readonly share: string;
  /** Plain name. */
  readonly name: string;
}

/** One page of items, ordered by id. */
export interface ListPage {
  readonly items: readonly FileEntry[];
  /**
   * Empty folders on this page (folder listings only). Merged with `items` in
   * the order of {@link listOrderKey}: a folder sorts as its id plus `/`.
   */
  readonly emptyFolders?: readonly EmptyFolder[] | undefined;
  /** Token for the next page; undefined on the last page. */
  readonly nextPageToken?: string | undefined;
}

/** The folder of a folder listing is not a folder of a share (unknown, a file, or escaping): NOT_FOUND. */
export class UnknownFolderError extends Error {
  constructor(readonly folderId: string) {
    super(`folder ${JSON.stringify(folderId.slice(0, 200))} not found`);
    this.name = "UnknownFolderError";
  }
}

/** Where a listed thing sorts in a page: a file by its id, an empty folder by its id plus `/`. */
export function listOrderKey(item: FileEntry | EmptyFolder): string {
  return "etag" in item ? item.id : `${item.id}/`;
}

/** One child of a folder: a sub-folder, or a file. */
export type FolderChild =
  | {
      readonly kind: "folder" /** Plain name. */;
      readonly name: string /** `share/a/b` (no trailing slash). */;
      readonly id: string;
    }
  | { readonly kind: "file"; readonly entry: FileEntry };

/** The direct children of one folder. */
export interface FolderListing {
  /** Folders and files, in name order (at most `limit`). */
  readonly children: readonly FolderChild[];
  /** True when the folder held more than `limit` children. */
  readonly truncated: boolean;
}

/** Read-only view of the shares. */
export interface Catalog {
  /** Names of the shares, sorted. */
  shares(): readonly string[];
  /** Resolves an item id to a fresh entry; `undefined` when unknown, not a regular file, or escaping its share. */
  stat(itemId: string): Promise<FileEntry | undefined>;
  /** Pages through items without blocking the event loop for long. */
  list(request: ListRequest): Promise<ListPage>;
  /**
   * The direct children of a folder, `share` or `share/a/b`; `undefined` when
   * it is unknown, not a folder, or escapes its share (the same as unknown).
   * Symlinked folders are not followed; symlinked files only when they stay inside.
   */
  folder(folderId: string, options?: { readonly limit?: number | undefined }): Promise<FolderListing | undefined>;
}
