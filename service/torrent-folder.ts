/**
 * A multi-file torrent as a folder of a remote (docs/service.md "Folder
 * torrents"): each checked file's pieces root is looked up on the remote
 * (ListItems by pieces root), and the folder id is the holder's item id minus
 * the file's path inside the torrent; one folder id must explain every file
 * checked.
 */
import type { TorrentFile } from "../common/torrent/decode-torrent.js";

/** Most files of a torrent looked up on a remote: spread over the torrent, first and last included. @default 8 */
export const MAX_FILES_CHECKED = 8;

/**
 * The folder id that holds `itemId` at `relative` (the file's path inside the torrent), or undefined when the
 * item id does not end with that path below a non-empty folder.
 */
export function folderIdOf(itemId: string, relative: readonly string[]): string | undefined {
  if (relative.length === 0 || relative.some((s) => s === "" || s === "." || s === ".." || s.includes("/")))
    return undefined;
  const suffix = `/${relative.join("/")}`;
  if (!itemId.endsWith(suffix)) return undefined;
  const folder = itemId.slice(0, -suffix.length);
  return folder === "" || folder.endsWith("/") ? undefined : folder;
}

/** The files to look up: those with bytes, at most {@link MAX_FILES_CHECKED}, first and last included. */
export function filesToCheck(
  files: readonly TorrentFile[],
  max: number = MAX_FILES_CHECKED,
): Array<TorrentFile & { piecesRoot: string }> {
  const withBytes = files.filter((f): f is TorrentFile & { piecesRoot: string } => f.piecesRoot !== undefined);
  if (withBytes.length <= max) return withBytes;
  const picked = new Set<number>();
  for (let i = 0; i < max; i++) picked.add(Math.round((i * (withBytes.length - 1)) / (max - 1)));
  return [...picked].sort((a, b) => a - b).map((i) => withBytes[i] as TorrentFile & { piecesRoot: string });
}

/**
 * The folder id explaining every checked file: `holders[i]` are the item ids of a remote with the pieces root
 * of `checked[i]`. Candidates come from the first file; the first candidate every other file agrees with wins.
 */
export function commonFolderId(
  checked: ReadonlyArray<{ readonly path: readonly string[] }>,
  holders: ReadonlyArray<readonly string[]>,
): string | undefined {
  const first = checked[0];
  if (first === undefined || holders.length !== checked.length) return undefined;
  const candidates = (holders[0] ?? []).map((id) => folderIdOf(id, first.path)).filter((f) => f !== undefined);
  return candidates.find((folder) =>
    checked.every((file, i) => (holders[i] ?? []).includes(`${folder}/${file.path.join("/")}`)),
  );
}
