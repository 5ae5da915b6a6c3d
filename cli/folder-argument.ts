/** The `<share>/<folder>/` argument of `peer ls` (and `peer torrent`): pure. */

/** A parsed folder argument: the folder id sent as `ListItemsRequest.folder` (no trailing `/`). */
export interface FolderArgument {
  /** `share` or `share/a/b`. */
  readonly folderId: string;
}

/**
 * Reads `<share>/<folder>/` or `<share>/`: one trailing `/` marks a folder.
 * An error message (saying what to type) when the argument is not a folder id;
 * undefined when it has no trailing `/` (it names an item, not a folder).
 */
export function parseFolderArgument(text: string): FolderArgument | { readonly error: string } | undefined {
  if (!text.endsWith("/")) return undefined;
  const folderId = text.slice(0, -1);
  const bad = (why: string) => ({
    error: `"${text.slice(0, 200)}" is not a folder: ${why}; give it as <share>/<folder>/, e.g. media/Shows/`,
  });
  if (folderId === "") return bad("it has no share name");
  if (/[\\\u0000-\u001f\u007f]/.test(folderId)) return bad("it holds a backslash or a control character");
  if (folderId.startsWith("/")) return bad("it starts with '/'");
  for (const part of folderId.split("/")) {
    if (part === "" || part === "." || part === "..") return bad(`it holds an empty, '.' or '..' segment`);
  }
  return { folderId };
}

/** The path of `id` relative to folder `folderId` (`share/a`, `share/a/b/c.txt` → `b/c.txt`). Pure. */
export function relativeToFolder(folderId: string, id: string): string {
  return id.startsWith(`${folderId}/`) ? id.slice(folderId.length + 1) : id;
}
