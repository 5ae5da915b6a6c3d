/**
 * What `peer get <folder>/ --stream` serves besides the files (pure; docs/downloads.md "The
 * stream server"): each file at `/<relative path>` (each component percent-encoded), and at
 * `/` an index of them — an M3U playlist for players (`mpv http://127.0.0.1:<port>/` plays
 * the folder in order), or an HTML page of links for a browser (it asks for text/html).
 * Table-tested in test/client/stream/folder-index.test.ts.
 */
import { escapeHtml } from "../../common/html.js";

/** One file of the folder a stream server serves. */
export interface FolderEntry {
  /** Relative path in the folder, `/` separators (checked by client/folder/relative-path.ts). */
  readonly path: string;
  /** Its file job. */
  readonly id: string;
  /** Size in bytes. */
  readonly size: number;
}

/** The URL path of a file: `/` then each component percent-encoded. */
export function entryHref(path: string): string {
  return `/${path.split("/").map(encodeURIComponent).join("/")}`;
}

/** The entry a request's URL path (without its query) names; undefined for none or a malformed escape. */
export function entryAt(urlPath: string, entries: readonly FolderEntry[]): FolderEntry | undefined {
  if (!urlPath.startsWith("/") || urlPath === "/") return undefined;
  let path: string;
  try {
    path = urlPath.slice(1).split("/").map(decodeURIComponent).join("/");
  } catch {
    return undefined;
  }
  // A component holding an encoded `/` would decode into another path: only the canonical form matches.
  return entries.find((e) => e.path === path && entryHref(e.path) === urlPath);
}

/** Whether a request's `Accept` asks for a page (a browser) rather than a playlist (a player, curl). */
export function wantsHtml(accept: string | undefined): boolean {
  return accept !== undefined && /(^|,)\s*text\/html\s*(;|,|$)/i.test(accept);
}

/** An extended M3U playlist of the folder's files (absolute URLs under `origin`, in the given order). */
export function folderPlaylist(origin: string, entries: readonly FolderEntry[]): string {
  const lines = ["#EXTM3U"];
  for (const e of entries) lines.push(`#EXTINF:-1,${oneLine(e.path)}`, `${origin}${entryHref(e.path)}`);
  return `${lines.join("\n")}\n`;
}

/** A small HTML page: the folder's name and a link per file (every name escaped). */
export function folderIndexHtml(name: string, entries: readonly FolderEntry[]): string {
  const items = entries
    .map(
      (e) =>
        `<li><a href="${escapeHtml(entryHref(e.path))}"><bdi>${escapeHtml(e.path)}</bdi></a> (${e.size} bytes)</li>`,
    )
    .join("\n");
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${escapeHtml(name)}/</title></head>
<body><h1><bdi>${escapeHtml(name)}</bdi>/</h1>
<p>Played while it downloads: only verified pieces are served, the ones a player reads first. <a href="/?m3u">Playlist</a></p>
<ul>
${items}
</ul></body></html>
`;
}

/** A title on one line (a playlist's lines end at any line break). */
function oneLine(text: string): string {
  return text.replace(/[\r\n\u2028\u2029]/g, " ");
}
