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

/** One call's inputs, and the torrents it names (`hashes` or `hash`, `all` for every one). */
interface QbtCall {
  readonly deps: QbtDeps;
  readonly name: string;
  readonly p: QbtParams;
  readonly who: Principal;
  readonly now: number;
}

type Handler = (c: QbtCall) => Promise<QbtAnswer> | QbtAnswer;

/** Runs one call (the caller checked the key). */
export async function handleQbt(deps: QbtDeps, name: string, p: QbtParams, who: Principal): Promise<QbtAnswer> {
  // A Map, not an object: a call named `constructor` or `__proto__` must not find Object's own members.
  const handler = HANDLERS.get(name);
  if (handler === undefined) return { status: 404, body: "Not Found" };
  return handler({ deps, name, p, who, now: deps.now?.() ?? Date.now() });
}

/** The torrents a call names (`hashes` or `hash`; `all` for every one). */
async function selected(c: QbtCall): Promise<QbtTorrent[]> {
  const hashes = parseHashes(c.p.get("hashes") ?? c.p.get("hash"));
  const all = await c.deps.store.torrents();
  return hashes === "all" ? all : all.filter((t) => hashes.includes(t.hash));
}

/** Applies `fn` to each named torrent; a refusal is logged and the others go on (qBittorrent answers 200). */
async function each(c: QbtCall, fn: (t: QbtTorrent) => Promise<unknown>): Promise<QbtAnswer> {
  for (const t of await selected(c))
    await fn(t).catch((e: unknown) =>
      c.deps.logger.info({ hash: t.hash, err: (e as Error).message }, "qBittorrent action refused"),
    );
  return ok();
}

const PREFERENCES = {
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
};

/** `torrents/info`: the torrents of a category and hashes, as qBittorrent lists them, filtered by state. */
async function torrentsInfo({ deps, p, now }: QbtCall): Promise<QbtAnswer> {
  const category = p.get("category");
  const hashes = parseHashes(p.get("hashes"));
  const rows = (await deps.store.torrents()).filter(
    (t) =>
      (category === undefined || t.category === category) &&
      (hashes === "all" || hashes.length === 0 || hashes.includes(t.hash)),
  );
  const out: object[] = [];
  for (const t of rows) {
    const content = await torrentContent(deps.queue, t);
    if (content !== undefined) out.push(infoEntry(t, content, now));
  }
  const filter = p.get("filter");
  if (filter === undefined || filter === "all") return ok(out);
  return ok(out.filter((e) => matchesFilter(filter, (e as { state: string }).state)));
}

/** `torrents/properties` and `torrents/files`: one torrent's details. */
async function torrentDetails({ deps, name, p, now }: QbtCall): Promise<QbtAnswer> {
  const t = await deps.store.byHash(p.get("hash") ?? "");
  const files = name === "torrents/files";
  const content = t === undefined ? undefined : await torrentContent(deps.queue, t, files);
  if (t === undefined || content === undefined) return { status: 404, body: "Not Found" };
  return ok(files ? filesEntry(content) : propertiesEntry(t, content, now));
}

/** `torrents/delete`: forgets the torrents, and their files with `deleteFiles=true`. */
function deleteTorrents(c: QbtCall): Promise<QbtAnswer> {
  const { queue, store } = c.deps;
  const deleteFiles = flag(c.p.get("deleteFiles"));
  return each(c, async (t) => {
    await (t.folder === true
      ? queue.removeFolder(t.downloadId, deleteFiles)
      : queue.remove(t.downloadId, deleteFiles)
    ).catch((e: unknown) => {
      if (!(e instanceof ConnectError && e.rawMessage.startsWith("no "))) throw e;
    });
    await store.removeTorrent(t.hash);
  });
}

/** `torrents/stop` (`pause` before 5.0): pauses the torrents' running downloads. */
function stopTorrents(c: QbtCall): Promise<QbtAnswer> {
  return each(c, async (t) => {
    for (const d of await torrentDownloads(c.deps.queue, t))
      if (d.status === "queued" || d.status === "downloading" || d.status === "verifying")
        await c.deps.queue.pause(d.id);
  });
}

/** `torrents/start` (`resume` before 5.0): resumes paused downloads and retries failed or cancelled ones. */
function startTorrents(c: QbtCall): Promise<QbtAnswer> {
  const { queue } = c.deps;
  return each(c, async (t) => {
    if (t.folder === true) return queue.retryFolder(t.downloadId);
    for (const d of await torrentDownloads(queue, t)) {
      if (d.status === "paused") await queue.resume(d.id);
      else if (d.status === "failed" || d.status === "cancelled") await queue.retry(d.id);
    }
  });
}

/** `torrents/setCategory`: an existing category (or none) for the named torrents. */
async function setCategory(c: QbtCall): Promise<QbtAnswer> {
  const { store } = c.deps;
  const category = c.p.get("category") ?? "";
  if (category !== "" && (await store.category(category)) === undefined)
    return { status: 409, body: "Incorrect category name" };
  await store.setCategory(
    (await selected(c)).map((t) => t.hash),
    category,
  );
  return ok();
}

/** `torrents/createCategory` and `torrents/editCategory`: a category and its save path inside the root. */
async function putCategory({ deps, name, p }: QbtCall): Promise<QbtAnswer> {
  const category = p.get("category") ?? "";
  if (!CATEGORY.test(category)) return { status: 400, body: "Invalid category name" };
  const exists = (await deps.store.category(category)) !== undefined;
  if (name === "torrents/createCategory" && exists) return { status: 409, body: "Category already exists" };
  if (name === "torrents/editCategory" && !exists) return { status: 409, body: "Category does not exist" };
  const savePath = p.get("savePath") ?? "";
  if (savePath !== "" && saveDir(deps.queue.root, savePath) === undefined)
    return { status: 400, body: "The save path must be inside the download folder" };
  await deps.store.putCategory(category, savePath);
  return ok();
}

/** `torrents/addTags` and `torrents/removeTags`. */
function changeTags(c: QbtCall): Promise<QbtAnswer> {
  const tags = (c.p.get("tags") ?? "")
    .split(",")
    .map((t) => t.trim())
    .filter((t) => t !== "" && CATEGORY.test(t));
  const adding = c.name === "torrents/addTags";
  return each(c, async (t) => {
    const next = adding ? [...new Set([...t.tags, ...tags])] : t.tags.filter((x) => !tags.includes(x));
    await c.deps.store.setTags(t.hash, next);
  });
}

/** Accepted, nothing to do: peer does not seed, and its queue has no priorities. */
const accepted: Handler = () => ok();

/** The calls answered, by name (docs/service.md); any other is 404 as in qBittorrent. */
const HANDLERS: ReadonlyMap<string, Handler> = new Map(
  Object.entries({
    "app/webapiVersion": () => ok(WEB_API_VERSION),
    "app/version": () => ok(APP_VERSION),
    "app/buildInfo": () => ok({ qt: "", libtorrent: "", boost: "", openssl: "", bitness: 64 }),
    "app/preferences": ({ deps }) => ok({ save_path: deps.queue.root, ...PREFERENCES }),
    "torrents/info": torrentsInfo,
    "torrents/properties": torrentDetails,
    "torrents/files": torrentDetails,
    "torrents/add": ({ deps, p, who, now }) => add(deps, p, who, now),
    "torrents/delete": deleteTorrents,
    "torrents/pause": stopTorrents,
    "torrents/stop": stopTorrents,
    "torrents/resume": startTorrents,
    "torrents/start": startTorrents,
    "torrents/setCategory": setCategory,
    "torrents/categories": async ({ deps }) => {
      const out: Record<string, { name: string; savePath: string }> = {};
      for (const c of await deps.store.categories()) out[c.name] = c;
      return ok(out);
    },
    "torrents/createCategory": putCategory,
    "torrents/editCategory": putCategory,
    "torrents/removeCategories": async ({ deps, p }) => {
      await deps.store.removeCategories((p.get("categories") ?? "").split("\n").filter((c) => c !== ""));
      return ok();
    },
    "torrents/addTags": changeTags,
    "torrents/removeTags": changeTags,
    "torrents/tags": async ({ deps }) => ok([...new Set((await deps.store.torrents()).flatMap((t) => t.tags))].sort()),
    "torrents/setShareLimits": accepted,
    "torrents/topPrio": accepted,
    "torrents/bottomPrio": accepted,
    "torrents/setForceStart": accepted,
    "torrents/setSuperSeeding": accepted,
  } satisfies Record<string, Handler>),
);

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
