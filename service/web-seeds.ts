/**
 * BEP 19 web seeds as mirrors of a single-file torrent: a seed URL ending in
 * "/" is a folder, the file is under it by the torrent's name; any other URL is
 * the file itself. Only http(s) URLs; never trusted (every piece is checked).
 */
import type { TorrentInfo } from "../common/torrent/decode-torrent.js";

/** Mirror URLs of a single-file torrent's web seeds. */
export function webSeedMirrors(torrent: TorrentInfo): string[] {
  const out: string[] = [];
  for (const seed of torrent.webSeeds) {
    let url: URL;
    try {
      url = new URL(seed);
    } catch {
      continue;
    }
    if (url.protocol !== "http:" && url.protocol !== "https:") continue;
    if (url.username !== "" || url.password !== "") continue;
    out.push(seed.endsWith("/") ? `${seed}${encodeURIComponent(torrent.name)}` : seed);
  }
  return out;
}
