/** One download as qBittorrent's `torrents/info` entry (and `properties`, `files`): what the *arr reads. */
import { existsSync } from "node:fs";
import path from "node:path";
import type { Download } from "../../client/index.js";
import { bytesDone, type LiveProgress } from "../download-message.js";
import { etaSeconds, qbtState } from "./qbt-state.js";
import type { QbtTorrent } from "./qbt-store.js";

const seconds = (ms: number): number => Math.floor(ms / 1000);

/** What info, properties and files share. */
function view(d: Download, live: LiveProgress | undefined, nowMs: number) {
  const complete = d.status === "completed";
  const done = bytesDone(d, live);
  const size = d.size ?? 0;
  const running = d.status === "downloading" || d.status === "verifying";
  const speed = running && live !== undefined ? Math.round(live.bytesPerSecond) : 0;
  const lastActivityMs = live?.lastActivityMs ?? d.updatedAt.getTime();
  const state = qbtState({
    status: d.status,
    fileExists: complete && existsSync(d.destination),
    lastActivityMs,
    waitingToRetry: d.nextAttemptAt !== null,
    nowMs,
  });
  return {
    complete,
    done,
    size,
    speed,
    state,
    savePath: path.dirname(d.destination),
    contentPath: d.destination,
    lastActivity: seconds(lastActivityMs),
    eta: etaSeconds(d.size, done, speed, complete),
    progress: complete ? 1 : size > 0 ? Math.min(1, done / size) : 0,
    completionOn: d.completedAt === null ? -1 : seconds(d.completedAt.getTime()),
  };
}

/** The `torrents/info` entry. */
export function infoEntry(t: QbtTorrent, d: Download, live: LiveProgress | undefined, nowMs: number) {
  const v = view(d, live, nowMs);
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
export function propertiesEntry(t: QbtTorrent, d: Download, live: LiveProgress | undefined, nowMs: number) {
  const v = view(d, live, nowMs);
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
    pieces_have: d.pieces?.verified ?? (v.complete ? 1 : 0),
    pieces_num: d.pieces?.count ?? 1,
    piece_size: d.pieceLength ?? 0,
    comment: "",
  };
}

/** The `torrents/files` answer: one file per download so far. */
export function filesEntry(_t: QbtTorrent, d: Download, live: LiveProgress | undefined, nowMs: number) {
  const v = view(d, live, nowMs);
  return [
    {
      index: 0,
      name: path.basename(d.destination),
      size: v.size,
      progress: v.progress,
      priority: 1,
      is_seed: v.complete,
      availability: v.complete ? 1 : -1,
    },
  ];
}
