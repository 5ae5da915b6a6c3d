/**
 * What a qBittorrent torrent is made of, as the entries read it: one download
 * (a single-file torrent) or a folder job with its file downloads (a
 * multi-file torrent: docs/service.md "Folder torrents"). Pure.
 */
import path from "node:path";
import type { Download, DownloadStatus, FolderSummary } from "../../client/index.js";
import { bytesDone, type LiveProgress } from "../download-message.js";

/** One file of a torrent as `torrents/files` lists it. */
export interface ContentFile {
  /** Path inside the torrent ("/"-separated; the folder's name first for a folder). */
  readonly name: string;
  readonly size: number;
  readonly done: number;
  readonly complete: boolean;
}

/** A torrent's content, folded. */
export interface QbtContent {
  readonly status: DownloadStatus;
  readonly size: number;
  readonly done: number;
  readonly bytesPerSecond: number;
  /** Last time bytes arrived (ms), or when it last changed. */
  readonly lastActivityMs: number;
  readonly waitingToRetry: boolean;
  /** The file, or the folder, on this machine. */
  readonly contentPath: string;
  readonly completedAt: Date | null;
  readonly pieces: { readonly verified: number; readonly count: number } | undefined;
  readonly pieceLength: number;
  readonly files: readonly ContentFile[];
}

const running = (d: Download): boolean => d.status === "downloading" || d.status === "verifying";

/** A single download. */
export function fileContent(d: Download, live: LiveProgress | undefined): QbtContent {
  const done = bytesDone(d, live);
  const size = d.size ?? 0;
  const complete = d.status === "completed";
  return {
    status: d.status,
    size,
    done,
    bytesPerSecond: running(d) && live !== undefined ? Math.round(live.bytesPerSecond) : 0,
    lastActivityMs: live?.lastActivityMs ?? d.updatedAt.getTime(),
    waitingToRetry: d.nextAttemptAt !== null,
    contentPath: d.destination,
    completedAt: d.completedAt,
    pieces: d.pieces ?? undefined,
    pieceLength: d.pieceLength ?? 0,
    files: [{ name: path.basename(d.destination), size, done, complete }],
  };
}

/** A folder torrent's file as stored, and whether a file of its size is at its place now. */
export interface TorrentFileOnDisk {
  /** Path below the torrent's name, "/"-separated. */
  readonly rel: string;
  readonly size: number;
  readonly onDisk: boolean;
}

/**
 * A folder job: its status and byte counts from the folder summary (files reused from disk count as done),
 * speed and activity summed over its running file downloads; its files are the torrent's, each with its
 * download's progress, else done when in place (reused, or a twin placed).
 */
export function folderContent(
  name: string,
  f: FolderSummary,
  torrentFiles: readonly TorrentFileOnDisk[],
  downloads: ReadonlyArray<{ readonly d: Download; readonly live: LiveProgress | undefined }>,
): QbtContent {
  const byRel = new Map<string, ContentFile>();
  let liveDone = 0;
  let bytesPerSecond = 0;
  let lastActivityMs = f.createdAt.getTime();
  let waitingToRetry = false;
  let completedAt: Date | null = null;
  const files: ContentFile[] = [];
  for (const { d, live } of downloads) {
    const done = bytesDone(d, live);
    liveDone += Math.max(0, done - d.committedBytes);
    if (running(d) && live !== undefined) bytesPerSecond += Math.round(live.bytesPerSecond);
    lastActivityMs = Math.max(lastActivityMs, live?.lastActivityMs ?? d.updatedAt.getTime());
    waitingToRetry ||= d.status === "queued" && d.nextAttemptAt !== null;
    if (d.completedAt !== null && (completedAt === null || d.completedAt > completedAt)) completedAt = d.completedAt;
    const rel = path.relative(f.destination, d.destination).split(path.sep).join("/");
    byRel.set(rel, { name: `${name}/${rel}`, size: d.size ?? 0, done, complete: d.status === "completed" });
  }
  const complete = f.status === "completed";
  for (const t of torrentFiles) {
    const placed = complete || t.onDisk;
    files.push(
      byRel.get(t.rel) ?? { name: `${name}/${t.rel}`, size: t.size, done: placed ? t.size : 0, complete: placed },
    );
    byRel.delete(t.rel);
  }
  files.push(...byRel.values());
  return {
    status: f.status,
    size: f.bytes,
    done: complete ? f.bytes : Math.min(f.bytes, f.bytesDone + liveDone),
    bytesPerSecond,
    lastActivityMs,
    waitingToRetry,
    contentPath: f.destination,
    completedAt: complete ? (completedAt ?? f.createdAt) : null,
    pieces: undefined,
    pieceLength: 0,
    files: files.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0)),
  };
}
