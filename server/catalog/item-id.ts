/**
 * Pure parsing of item ids `<share>/<relative/path>`. Anything that could
 * name a path outside a share is refused here, before the file system is
 * touched; realpath confinement in dir-catalog.ts is the second line.
 */

/** An item id split into its share and its path segments inside the share. */
export interface ParsedItemId {
  /** The share name (first segment). */
  readonly share: string;
  /** Non-empty path segments below the share root, none of them `.` or `..`. */
  readonly segments: readonly string[];
}

/** Ids longer than this are refused (PATH_MAX on Linux is 4096). */
export const MAX_ITEM_ID_LENGTH = 4096;

/**
 * Splits an already-decoded item id; `undefined` when it is malformed or could
 * escape its share: empty, absolute, `.`/`..`/empty segments, backslashes,
 * NUL or other control characters, or no path below the share.
 */
export function parseItemId(itemId: string): ParsedItemId | undefined {
  if (itemId.length === 0 || itemId.length > MAX_ITEM_ID_LENGTH) return undefined;
  // Backslash: a separator on Windows and a common escape trick; control chars
  // (NUL above all) truncate paths in C APIs.
  if (/[\\\u0000-\u001f\u007f]/.test(itemId)) return undefined;
  const parts = itemId.split("/");
  if (parts.length < 2) return undefined;
  for (const part of parts) {
    if (part === "" || part === "." || part === "..") return undefined;
  }
  const [share, ...segments] = parts as [string, ...string[]];
  return { share, segments };
}
