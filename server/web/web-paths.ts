/** URLs of the web page (pure): where each folder, file and download lives. */
import { pathOf } from "../../common/html.js";

/** The web page's path prefix (besides `/`). */
export const WEB_PREFIX = "/web/";

/** A folder listing: `/web/browse/<share>/<a>/<b>/`. */
export function browseHref(folderId: string): string {
  return `${WEB_PREFIX}browse/${pathOf(folderId.split("/"))}/`;
}

/** A file's details page. */
export function itemHref(itemId: string): string {
  return `${WEB_PREFIX}item/${pathOf(itemId.split("/"))}`;
}

/** A file's download (session cookie). */
export function downloadHref(itemId: string): string {
  return `${WEB_PREFIX}files/${pathOf(itemId.split("/"))}`;
}

/** A file's .torrent (session cookie or key). */
export function torrentHref(itemId: string): string {
  return `/v1/torrents/${pathOf(itemId.split("/"))}`;
}

/** A folder as a .zip (session cookie): `/web/zip/<share>/<a>/`. */
export function zipHref(folderId: string): string {
  return `${WEB_PREFIX}zip/${pathOf(folderId.split("/"))}/`;
}

/** A folder's .torrent (session cookie or key): `/v1/torrents/<share>/<a>/`. */
export function folderTorrentHref(folderId: string): string {
  return `/v1/torrents/${pathOf(folderId.split("/"))}/`;
}
