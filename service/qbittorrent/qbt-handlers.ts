/**
 * The qBittorrent Web API calls (docs/service.md lists what is answered and
 * how). Each returns a status and a body; the route does the HTTP.
 */
import path from "node:path";
import { ConnectError } from "@connectrpc/connect";
import type { Logger } from "pino";
import type { Principal } from "../../server/auth/principal.js";
import { relativeToRoot, resolveDestination } from "../destination.js";
import type { DownloadQueue } from "../download-queue.js";
import type { TorrentAdder } from "../torrent-add.js";
import { filesEntry, infoEntry, propertiesEntry } from "./qbt-torrent-json.js";
import { torrentContent, torrentDownloads } from "./qbt-lookup.js";
import { flag, parseHashes, type QbtParams } from "./qbt-request.js";
import type { QbtStore, QbtTorrent } from "./qbt-store.js";

/** The Web API version answered: 2.11 names (`stopped`, `stoppedDL`). */
export const WEB_API_VERSION = "2.11.2";
/** The application version answered. */
export const APP_VERSION = "v5.0.2";

/** What the handlers use. */
export interface QbtDeps {
  readonly queue: DownloadQueue;
  readonly torrents: TorrentAdder;
  readonly store: QbtStore;
  readonly logger: Logger;
  readonly now?: () => number;
}

/** An answer. */
export interface QbtAnswer {
  readonly status: number;
  readonly body: string | object;
}

const ok = (body: string | object = ""): QbtAnswer => ({ status: 200, body });
const CATEGORY = /^[^\\/\p{Cc}]{1,100}$/u;

/** Runs one call (the caller checked the key). */
export async function handleQbt(deps: QbtDeps, name: string, p: QbtParams, who: Principal): Promise<QbtAnswer> {
  const now = deps.now?.() ?? Date.now();
  const { store, queue } = deps;
  const selected = async (): Promise<QbtTorrent[]> => {
    const hashes = parseHashes(p.get("hashes") ?? p.get("hash"));
    const all = await store.torrents();
    return hashes === "all" ? all : all.filter((t) => hashes.includes(t.hash));
  };
  const each = async (fn: (t: QbtTorrent) => Promise<unknown>): Promise<QbtAnswer> => {
    for (const t of await selected())
      await fn(t).catch((e: unknown) =>
        deps.logger.info({ hash: t.hash, err: (e as Error).message }, "qBittorrent action refused"),
      );
    return ok();
  };
  switch (name) {
    case "app/webapiVersion":
      return ok(WEB_API_VERSION);
    case "app/version":
      return ok(APP_VERSION);
    case "app/buildInfo":
      return ok({ qt: "", libtorrent: "", boost: "", openssl: "", bitness: 64 });
    case "app/preferences":
      return ok({
        save_path: queue.root,
        temp_path_enabled: false,
        max_ratio_enabled: false,
        max_ratio: -1,
        max_seeding_time_enabled: false,
        max_seeding_time: -1,
        max_inactive_seeding_time_enabled: false,
        max_inactive_seeding_time: -1,
        max_ratio_act: 0,
        queueing_enabled: false,
        dht: false,
        auto_tmm_enabled: false,
      });
    case "torrents/info": {
      const category = p.get("category");
      const hashes = parseHashes(p.get("hashes"));
      const rows = (await store.torrents()).filter(
        (t) =>
          (category === undefined || t.category === category) &&
          (hashes === "all" || hashes.length === 0 || hashes.includes(t.hash)),
      );
      const out: object[] = [];
      for (const t of rows) {
        const c = await torrentContent(queue, t);
        if (c !== undefined) out.push(infoEntry(t, c, now));
      }
      const filter = p.get("filter");
      return ok(
        filter === undefined || filter === "all"
          ? out
          : out.filter((e) => matchesFilter(filter, (e as { state: string }).state)),
      );
    }
    case "torrents/properties":
    case "torrents/files": {
      const t = await store.byHash(p.get("hash") ?? "");
      const c = t === undefined ? undefined : await torrentContent(queue, t, name === "torrents/files");
      if (t === undefined || c === undefined) return { status: 404, body: "Not Found" };
      return ok(name === "torrents/files" ? filesEntry(c) : propertiesEntry(t, c, now));
    }
    case "torrents/add":
      return add(deps, p, who, now);
    case "torrents/delete":
      return each(async (t) => {
        const deleteFiles = flag(p.get("deleteFiles"));
        await (t.folder === true
          ? queue.removeFolder(t.downloadId, deleteFiles)
          : queue.remove(t.downloadId, deleteFiles)
        ).catch((e: unknown) => {
          if (!(e instanceof ConnectError && e.rawMessage.startsWith("no "))) throw e;
        });
        await store.removeTorrent(t.hash);
      });
    case "torrents/pause":
    case "torrents/stop":
      return each(async (t) => {
        for (const d of await torrentDownloads(queue, t))
          if (d.status === "queued" || d.status === "downloading" || d.status === "verifying") await queue.pause(d.id);
      });
    case "torrents/resume":
    case "torrents/start":
      return each(async (t) => {
        if (t.folder === true) return queue.retryFolder(t.downloadId);
        for (const d of await torrentDownloads(queue, t)) {
          if (d.status === "paused") await queue.resume(d.id);
          else if (d.status === "failed" || d.status === "cancelled") await queue.retry(d.id);
        }
      });
    case "torrents/setCategory": {
      const category = p.get("category") ?? "";
      if (category !== "" && (await store.category(category)) === undefined)
        return { status: 409, body: "Incorrect category name" };
      await store.setCategory(
        (await selected()).map((t) => t.hash),
        category,
      );
      return ok();
    }
    case "torrents/categories": {
      const out: Record<string, { name: string; savePath: string }> = {};
      for (const c of await store.categories()) out[c.name] = c;
      return ok(out);
    }
    case "torrents/createCategory":
    case "torrents/editCategory": {
      const category = p.get("category") ?? "";
      if (!CATEGORY.test(category)) return { status: 400, body: "Invalid category name" };
      const exists = (await store.category(category)) !== undefined;
      if (name === "torrents/createCategory" && exists) return { status: 409, body: "Category already exists" };
      if (name === "torrents/editCategory" && !exists) return { status: 409, body: "Category does not exist" };
      const savePath = p.get("savePath") ?? "";
      if (savePath !== "" && saveDir(queue.root, savePath) === undefined)
        return { status: 400, body: "The save path must be inside the download folder" };
      await store.putCategory(category, savePath);
      return ok();
    }
    case "torrents/removeCategories":
      await store.removeCategories((p.get("categories") ?? "").split("\n").filter((c) => c !== ""));
      return ok();
    case "torrents/addTags":
    case "torrents/removeTags": {
      const tags = (p.get("tags") ?? "")
        .split(",")
        .map((t) => t.trim())
        .filter((t) => t !== "" && CATEGORY.test(t));
      return each(async (t) => {
        const next =
          name === "torrents/addTags" ? [...new Set([...t.tags, ...tags])] : t.tags.filter((x) => !tags.includes(x));
        await store.setTags(t.hash, next);
      });
    }
    case "torrents/tags":
      return ok([...new Set((await store.torrents()).flatMap((t) => t.tags))].sort());
    case "torrents/setShareLimits":
    case "torrents/topPrio":
    case "torrents/bottomPrio":
    case "torrents/setForceStart":
    case "torrents/setSuperSeeding":
      // Accepted, nothing to do: peer does not seed, and its queue has no priorities.
      return ok();
    default:
      return { status: 404, body: "Not Found" };
  }
}

/** A save path (absolute inside the root, or relative to it) as a folder relative to the root; undefined when outside. */
export function saveDir(root: string, savePath: string): string | undefined {
  const rel = path.isAbsolute(savePath) ? relativeToRoot(root, path.resolve(savePath)) : savePath.replaceAll("\\", "/");
  if (rel.startsWith("..")) return undefined;
  const checked = resolveDestination(root, rel === "" ? "" : rel);
  return checked.ok ? relativeToRoot(root, checked.dir) : undefined;
}

/** Whether a qBittorrent `filter` value selects a state. */
function matchesFilter(filter: string, state: string): boolean {
  const done = state.endsWith("UP") || state === "uploading";
  switch (filter) {
    case "downloading":
      return !done && state !== "error" && state !== "missingFiles";
    case "completed":
    case "seeding":
      return done;
    case "paused":
    case "stopped":
      return state.startsWith("stopped") || state.startsWith("paused");
    case "active":
      return state === "downloading";
    case "inactive":
      return state !== "downloading";
    case "stalled":
      return state.startsWith("stalled");
    case "errored":
      return state === "error" || state === "missingFiles";
    default:
      return true;
  }
}

/** `torrents/add`: every uploaded torrent queued, or `Fails.` with the reason logged. */
async function add(deps: QbtDeps, p: QbtParams, who: Principal, now: number): Promise<QbtAnswer> {
  const files = p.files();
  const urls = (p.get("urls") ?? "")
    .split("\n")
    .map((u) => u.trim())
    .filter((u) => u !== "");
  const refuse = (reason: string): QbtAnswer => {
    deps.logger.warn({ keyId: who.keyId, reason }, "qBittorrent add refused");
    return ok("Fails.");
  };
  if (urls.length > 0)
    return refuse(
      "torrents by URL or magnet link are not fetched (no web seeds to verify against): send the .torrent file",
    );
  if (files.length === 0) return refuse("no torrent file in the request");
  const category = p.get("category") ?? "";
  const cat = category === "" ? undefined : await deps.store.category(category);
  if (category !== "" && cat === undefined) return refuse(`unknown category "${category.slice(0, 100)}"`);
  const savePath = p.get("savepath") ?? p.get("savePath") ?? cat?.savePath ?? "";
  const destination = savePath === "" ? category : saveDir(deps.queue.root, savePath);
  if (destination === undefined) return refuse("the save path is outside the download folder");
  const tags = (p.get("tags") ?? "")
    .split(",")
    .map((t) => t.trim())
    .filter((t) => t !== "" && CATEGORY.test(t));
  const stopped = flag(p.get("stopped")) || flag(p.get("paused"));
  for (const bytes of files) {
    try {
      const added = await deps.torrents.addTorrent(bytes, { destination, mirrors: [] });
      const hash = added.torrent.hash;
      const downloadId = added.folder?.id ?? added.downloads[0]?.id;
      if (downloadId === undefined) throw new Error("the torrent queued nothing");
      if ((await deps.store.byHash(hash)) === undefined)
        await deps.store.addTorrent({
          downloadId,
          folder: added.folder !== undefined,
          files:
            added.folder === undefined ? [] : added.torrent.files.map((f) => [f.path.join("/"), f.length] as const),
          hash,
          name: added.torrent.name,
          category,
          tags,
          addedOn: now,
        });
      if (stopped)
        for (const d of added.downloads)
          if (d.status !== "completed") await deps.queue.pause(d.id).catch(() => undefined);
      deps.logger.info({ keyId: who.keyId, hash, download: downloadId }, "qBittorrent add");
    } catch (error) {
      return refuse(error instanceof ConnectError ? error.rawMessage : (error as Error).message);
    }
  }
  return ok("Ok.");
}
