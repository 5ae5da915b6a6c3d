/**
 * The .torrent behind a Torznab download link: fetched from each remote that holds the release
 * (`GET /v1/torrents/<item id>` with that remote's key, whose web seed is a link made with that
 * key), merged into one torrent whose web seeds are every holder's links, and cached
 * (docs/torznab.md "Download links"). Web seeds live outside `info`, so merging never changes
 * the info-hash the *arr computes.
 */
import { createHash } from "node:crypto";
import { type BDecoded, decode, encode } from "../../common/bencode.js";

/** A remote the service can reach: its base URL and the key it holds for it. */
export interface TorrentRemote {
  name: string;
  url: string;
  key: string;
}

/** A merged torrent and its v1 info-hash (40 hex; SHA-1 of the bencoded `info`). */
export interface ReleaseTorrent {
  bytes: Uint8Array;
  infoHash: string;
}

/** Largest .torrent accepted from a remote (a 1 TiB file's hybrid torrent is far smaller). */
export const MAX_TORRENT_BYTES = 8 * 1024 * 1024;
/** Time allowed for one remote's torrent. */
export const TORRENT_FETCH_TIMEOUT_MS = 30_000;

/** Times a remote that is still hashing (503 + Retry-After) is asked again. */
export const TORRENT_FETCH_ATTEMPTS = 3;
/** Longest wait honoured from a remote's Retry-After, in ms. */
const MAX_RETRY_WAIT_MS = 5_000;

/** Fetches one remote's torrent for an item; throws an Error naming the remote and what went wrong. */
export async function fetchRemoteTorrent(remote: TorrentRemote, itemId: string): Promise<Uint8Array> {
  const url = `${remote.url.replace(/\/+$/, "")}/v1/torrents/${itemId.split("/").map(encodeURIComponent).join("/")}`;
  for (let attempt = 1; ; attempt++) {
    const response = await fetch(url, {
      headers: { Authorization: `Bearer ${remote.key}` },
      signal: AbortSignal.timeout(TORRENT_FETCH_TIMEOUT_MS),
      redirect: "error",
    });
    if (response.status === 503 && attempt < TORRENT_FETCH_ATTEMPTS) {
      // The remote is still hashing the file (or computing the torrent's v1 pieces): it says when to ask again.
      await response.body?.cancel();
      const seconds = Number(response.headers.get("retry-after") ?? "1");
      await new Promise((resolve) => setTimeout(resolve, Math.min(MAX_RETRY_WAIT_MS, (seconds || 1) * 1000)));
      continue;
    }
    return readTorrentBody(remote, itemId, response);
  }
}

async function readTorrentBody(remote: TorrentRemote, itemId: string, response: Response): Promise<Uint8Array> {
  if (!response.ok) {
    await response.body?.cancel();
    throw new Error(`remote ${remote.name} answered ${response.status} for the torrent of ${itemId}`);
  }
  const declared = Number(response.headers.get("content-length") ?? "0");
  if (declared > MAX_TORRENT_BYTES) {
    await response.body?.cancel();
    throw new Error(`remote ${remote.name} sent a ${declared}-byte torrent; at most ${MAX_TORRENT_BYTES} are accepted`);
  }
  const bytes = new Uint8Array(await response.arrayBuffer());
  if (bytes.length > MAX_TORRENT_BYTES)
    throw new Error(`remote ${remote.name} sent a torrent over ${MAX_TORRENT_BYTES} bytes`);
  return bytes;
}

/**
 * One torrent from the holders' torrents: the first one's `info`, every torrent's web seeds
 * (`url-list`), in holder order, without duplicates. Torrents whose `info` differs from the
 * first (another name for the same bytes) contribute nothing: their web seed URLs name their
 * own file, which a client of the first torrent must not mix in.
 */
export function mergeTorrents(torrents: Uint8Array[]): ReleaseTorrent {
  const [first, ...rest] = torrents.map(readTorrent);
  if (!first) throw new Error("no torrent to merge");
  const seeds = [...first.seeds];
  for (const other of rest) {
    if (other.infoHash !== first.infoHash) continue;
    for (const seed of other.seeds) if (!seeds.includes(seed)) seeds.push(seed);
  }
  first.root.set(
    "url-list",
    seeds.map((seed) => new TextEncoder().encode(seed)),
  );
  return { bytes: encode(first.root), infoHash: first.infoHash };
}

/** The v1 info-hash of a torrent (what Sonarr, Radarr and qBittorrent clients call its hash). */
export function infoHashOf(torrent: Uint8Array): string {
  return readTorrent(torrent).infoHash;
}

function readTorrent(bytes: Uint8Array): { root: Map<string, BDecoded>; seeds: string[]; infoHash: string } {
  const root = decode(bytes);
  if (!(root instanceof Map)) throw new Error("a torrent must be a bencoded dictionary");
  const info = root.get("info");
  if (!(info instanceof Map)) throw new Error("the torrent has no info dictionary");
  const infoHash = createHash("sha1").update(encode(info)).digest("hex");
  return { root, seeds: webSeeds(root.get("url-list")), infoHash };
}

function webSeeds(value: BDecoded | undefined): string[] {
  const text = new TextDecoder();
  if (value instanceof Uint8Array) return [text.decode(value)];
  if (Array.isArray(value)) return value.flatMap((seed) => (seed instanceof Uint8Array ? [text.decode(seed)] : []));
  return [];
}

/** A small cache of merged torrents by download link, oldest dropped first. */
export class TorrentCache {
  readonly #entries = new Map<string, { torrent: ReleaseTorrent; at: number }>();
  /** @param capacity most torrents kept (default 256) @param maxAgeMs how long one is kept (default 1 h: its links stay valid far longer) */
  constructor(
    private readonly capacity = 256,
    private readonly maxAgeMs = 3_600_000,
  ) {}

  /** The cached torrent, if fresh. */
  get(key: string, now = Date.now()): ReleaseTorrent | undefined {
    const entry = this.#entries.get(key);
    if (!entry || now - entry.at > this.maxAgeMs) return undefined;
    return entry.torrent;
  }

  /** Keeps a torrent. */
  set(key: string, torrent: ReleaseTorrent, now = Date.now()): void {
    this.#entries.delete(key);
    this.#entries.set(key, { torrent, at: now });
    while (this.#entries.size > this.capacity) {
      const oldest = this.#entries.keys().next().value;
      if (oldest === undefined) break;
      this.#entries.delete(oldest);
    }
  }
}
