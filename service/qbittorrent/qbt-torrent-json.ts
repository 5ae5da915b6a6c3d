/** One torrent (a download, or a folder job: qbt-content.ts) as qBittorrent's `torrents/info` entry (and `properties`, `files`): what the *arr reads. */
import { existsSync } from "node:fs";
import path from "node:path";
import type { QbtContent } from "./qbt-content.js";
import { etaSeconds, qbtState } from "./qbt-state.js";
import type { QbtTorrent } from "./qbt-store.js";

const seconds = (ms: number): number => Math.floor(ms / 1000);

/** What info, properties and files share. */
function view(c: QbtContent, nowMs: number) {
  const complete = c.status === "completed";
  const state = qbtState({
    status: c.status,
    fileExists: complete && existsSync(c.contentPath),
    lastActivityMs: c.lastActivityMs,
    waitingToRetry: c.waitingToRetry,
    nowMs,
  });
  return {
    complete,
    done: c.done,
    size: c.size,
    speed: c.bytesPerSecond,
    state,
    savePath: path.dirname(c.contentPath),
    contentPath: c.contentPath,
    lastActivity: seconds(c.lastActivityMs),
    eta: etaSeconds(c.size, c.done, c.bytesPerSecond, complete),
    progress: complete ? 1 : c.size > 0 ? Math.min(1, c.done / c.size) : 0,
    completionOn: c.completedAt === null ? -1 : seconds(c.completedAt.getTime()),
  };
}

/** The `torrents/info` entry. */
export function infoEntry(t: QbtTorrent, c: QbtContent, nowMs: number) {
  const v = view(c, nowMs);
  return {
    hash: t.hash,
    name: t.name,
    size: v.size,
    total_size: v.size,
    progress: v.progress,
    dlspeed: v.speed,
    upspeed: 0,
    eta: v.eta,
    state: v.state,
    category: t.category,
    tags: t.tags.join(", "),
    save_path: v.savePath,
    download_path: "",
    content_path: v.contentPath,
    added_on: seconds(t.addedOn),
    completion_on: v.completionOn,
    last_activity: v.lastActivity,
    amount_left: Math.max(0, v.size - v.done),
    completed: v.done,
    downloaded: v.done,
    uploaded: 0,
    ratio: 0,
    ratio_limit: -2,
    seeding_time_limit: -2,
    inactive_seeding_time_limit: -2,
    max_ratio: -1,
    max_seeding_time: -1,
    seeding_time: 0,
    time_active: seconds(nowMs - t.addedOn),
    num_seeds: 0,
    num_leechs: 0,
    priority: 0,
    force_start: false,
    auto_tmm: false,
    seq_dl: false,
    f_l_piece_prio: false,
    magnet_uri: "",
    tracker: "",
  };
}

/** The `torrents/properties` answer. */
export function propertiesEntry(t: QbtTorrent, c: QbtContent, nowMs: number) {
  const v = view(c, nowMs);
  return {
    hash: t.hash,
    name: t.name,
    save_path: v.savePath,
    addition_date: seconds(t.addedOn),
    completion_date: v.completionOn,
    creation_date: seconds(t.addedOn),
    dl_speed: v.speed,
    dl_speed_avg: v.speed,
    up_speed: 0,
    eta: v.eta,
    total_size: v.size,
    total_downloaded: v.done,
    total_uploaded: 0,
    share_ratio: 0,
    seeding_time: 0,
    time_elapsed: seconds(nowMs - t.addedOn),
    last_seen: v.lastActivity,
    pieces_have: c.pieces?.verified ?? (v.complete ? 1 : 0),
    pieces_num: c.pieces?.count ?? 1,
    piece_size: c.pieceLength,
    comment: "",
  };
}

/** The `torrents/files` answer: the file, or the folder's files (by path). */
export function filesEntry(c: QbtContent) {
  return c.files.map((f, index) => ({
    index,
    name: f.name,
    size: f.size,
    progress: f.complete ? 1 : f.size > 0 ? Math.min(1, f.done / f.size) : 0,
    priority: 1,
    is_seed: f.complete,
    availability: f.complete ? 1 : -1,
  }));
}
