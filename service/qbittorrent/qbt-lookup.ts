/** A qBittorrent torrent row's downloads in the queue: one download, or a folder job's file downloads. */
import { stat } from "node:fs/promises";
import path from "node:path";
import type { Download } from "../../client/index.js";
import type { DownloadQueue } from "../download-queue.js";
import { fileContent, folderContent, type QbtContent, type TorrentFileOnDisk } from "./qbt-content.js";
import type { QbtTorrent } from "./qbt-store.js";

/**
 * The torrent's content, or undefined when its download (or folder job) is gone; `lookOnDisk` checks a folder's
 * files without a download on disk (for `torrents/files`). @default lookOnDisk false
 */
export async function torrentContent(
  queue: DownloadQueue,
  t: QbtTorrent,
  lookOnDisk = false,
): Promise<QbtContent | undefined> {
  if (t.folder !== true) {
    const d = await queue.get(t.downloadId);
    return d === undefined ? undefined : fileContent(d, queue.live(d.id));
  }
  const f = await queue.folder(t.downloadId);
  if (f === undefined) return undefined;
  const downloads: Array<{ d: Download; live: ReturnType<DownloadQueue["live"]> }> = [];
  for (const id of f.jobs) {
    const d = await queue.get(id);
    if (d !== undefined) downloads.push({ d, live: queue.live(d.id) });
  }
  const jobFiles = new Set(downloads.map(({ d }) => d.destination));
  const files: TorrentFileOnDisk[] = [];
  for (const [rel, size] of t.files ?? []) {
    const at = path.join(f.destination, ...rel.split("/"));
    // Only files without a download are looked at on disk (reused ones, twins placed once their copy arrived).
    const onDisk =
      lookOnDisk &&
      !jobFiles.has(at) &&
      (await stat(at).then(
        (s) => s.isFile() && s.size === size,
        () => false,
      ));
    files.push({ rel, size, onDisk });
  }
  return folderContent(t.name, f, files, downloads);
}

/** The torrent's downloads (a folder job's file downloads), for pause and resume. */
export async function torrentDownloads(queue: DownloadQueue, t: QbtTorrent): Promise<Download[]> {
  const ids = t.folder === true ? ((await queue.folder(t.downloadId))?.jobs ?? []) : [t.downloadId];
  const out: Download[] = [];
  for (const id of ids) {
    const d = await queue.get(id);
    if (d !== undefined) out.push(d);
  }
  return out;
}
