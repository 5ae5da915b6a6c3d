/**
 * `GET /api/torznab?t=…&apikey=…` and `GET /api/torznab/download/<release>.torrent?apikey=…`:
 * a Torznab indexer over the remotes' catalogs for Sonarr and Radarr (docs/torznab.md). Every
 * answer is XML (errors as Newznab `<error>` elements, never HTML) except the torrent itself.
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import type { Http2ServerRequest, Http2ServerResponse } from "node:http2";
import { type CatalogRemote, type FoundRelease, searchRemotes, type SearchOptions } from "./release-search.js";
import { fetchRemoteTorrent, mergeTorrents, TorrentCache, type TorrentRemote } from "./release-torrent.js";
import { isRefusal, parseTorznabRequest, TORZNAB_ERRORS } from "./torznab-request.js";
import { capsXml, errorXml, feedXml, type TorznabItem } from "./torznab-xml.js";
import { decodeReleaseToken, encodeReleaseToken } from "./release-token.js";

/** Path of the indexer. */
export const TORZNAB_PATH = "/api/torznab";

/** What a presented key may do here. */
export type TorznabAccess = "ok" | "unauthenticated" | "forbidden";

/** Options of {@link createTorznabRoute}. */
export interface TorznabRouteOptions {
  /** The remotes to search, read per request (`peer remote add` changes them while serving). */
  remotes(): Promise<TorrentRemote[]>;
  /** Checks a presented key: `ok` only for a key with the `downloads` scope. */
  authorize(key: string): Promise<TorznabAccess>;
  /** Public base URL of this server for download links; the request's origin when absent. */
  publicUrl?: string | undefined;
  /** Whether the listener is TLS (for the origin when there is no public URL). @default false */
  tls?: boolean;
  /** Name in `caps` and feeds. @default "peer" */
  title?: string;
  /** Version in `caps`. @default "1.0" */
  version?: string;
  /** Search bounds and the share category rule. */
  search?: SearchOptions;
  /** Catalog access per remote; the SDK's `listAllItems` by default. */
  catalog(remote: TorrentRemote): CatalogRemote;
  /** Where remotes left out of a search are reported (never with keys). */
  warn(message: string, fields: Record<string, unknown>): void;
}

type Request = IncomingMessage | Http2ServerRequest;
type Response = ServerResponse | Http2ServerResponse;

/** Creates the route; it answers false for paths outside `/api/torznab`. */
export function createTorznabRoute(options: TorznabRouteOptions): (req: Request, res: Response) => boolean {
  const cache = new TorrentCache();
  return (req, res) => {
    const url = new URL(req.url ?? "/", "http://localhost");
    const download = url.pathname.startsWith(`${TORZNAB_PATH}/download/`);
    if (url.pathname !== TORZNAB_PATH && url.pathname !== `${TORZNAB_PATH}/` && !download) return false;
    const run = download ? serveTorrent(req, res, url, options, cache) : serveApi(req, res, url, options, cache);
    run.catch((error: unknown) => {
      options.warn("torznab request failed", { error: error instanceof Error ? error.message : String(error) });
      if (!res.headersSent) sendXml(res, 500, errorXml(TORZNAB_ERRORS.unknown, "internal error; see the server log"));
      else res.destroy();
    });
    return true;
  };
}

async function serveApi(req: Request, res: Response, url: URL, options: TorznabRouteOptions, cache: TorrentCache) {
  if (!(await admitted(req, res, url, options))) return;
  const request = parseTorznabRequest(url.searchParams);
  if (isRefusal(request)) return sendXml(res, 400, errorXml(request.code, request.description));
  if (request.t === "caps") return sendXml(res, 200, capsXml(options.title ?? "peer", options.version ?? "1.0"));
  const remotes = await options.remotes();
  const { releases, failures } = await searchRemotes(remotes.map(options.catalog), request.query, options.search);
  for (const failure of failures) options.warn("a remote was left out of a search", { ...failure });
  const page = releases.slice(request.offset, request.offset + request.limit);
  const base = originOf(req, options);
  const key = presentedKey(req, url) ?? "";
  const items = page.map((release) => feedItem(release, base, key, cache));
  const selfUrl = `${base}${TORZNAB_PATH}`;
  sendXml(res, 200, feedXml({ title: options.title ?? "peer", selfUrl }, items, request.offset, releases.length));
}

async function serveTorrent(req: Request, res: Response, url: URL, options: TorznabRouteOptions, cache: TorrentCache) {
  if (!(await admitted(req, res, url, options))) return;
  const token = url.pathname.slice(`${TORZNAB_PATH}/download/`.length).replace(/\.torrent$/, "");
  const holders = decodeReleaseToken(token);
  if (typeof holders === "string") return sendXml(res, 404, errorXml(300, `no such release: ${holders}`));
  let torrent = cache.get(token);
  if (!torrent) {
    const remotes = new Map((await options.remotes()).map((remote) => [remote.name, remote]));
    const fetched: Uint8Array[] = [];
    for (const holder of holders) {
      const remote = remotes.get(holder.remote);
      if (!remote) continue;
      try {
        fetched.push(await fetchRemoteTorrent(remote, holder.itemId));
      } catch (error) {
        options.warn("a remote's torrent could not be fetched", {
          remote: holder.remote,
          item: holder.itemId,
          error: error instanceof Error ? error.message : String(error),
        });
      }
    }
    if (fetched.length === 0)
      return sendXml(res, 404, errorXml(300, "no remote holding this release answered; try again later"));
    torrent = mergeTorrents(fetched);
    cache.set(token, torrent);
  }
  res.writeHead(200, {
    "Content-Type": "application/x-bittorrent",
    "Content-Length": String(torrent.bytes.length),
    "Content-Disposition": `attachment; filename="${torrent.infoHash}.torrent"`,
    "Cache-Control": "no-store",
    "X-Content-Type-Options": "nosniff",
  });
  if (req.method === "HEAD") res.end();
  else res.end(torrent.bytes);
}

function feedItem(release: FoundRelease, base: string, key: string, cache: TorrentCache): TorznabItem {
  const token = encodeReleaseToken(release.holders);
  const item: TorznabItem = {
    title: release.title,
    guid: release.guid,
    torrentUrl: `${base}${TORZNAB_PATH}/download/${token}.torrent?apikey=${encodeURIComponent(key)}`,
    size: release.size,
    published: release.modified,
    category: release.category,
    seeders: release.holders.length,
  };
  const cached = cache.get(token);
  if (cached) item.infohash = cached.infoHash;
  return item;
}

/** GET/HEAD only, and a key with the `downloads` scope; answers the refusal itself. */
async function admitted(req: Request, res: Response, url: URL, options: TorznabRouteOptions): Promise<boolean> {
  if (req.method !== "GET" && req.method !== "HEAD") {
    res.setHeader("Allow", "GET, HEAD");
    sendXml(res, 405, errorXml(TORZNAB_ERRORS.noSuchFunction, "use GET"));
    return false;
  }
  const key = presentedKey(req, url);
  const access = key === undefined ? "unauthenticated" : await options.authorize(key);
  if (access === "ok") return true;
  if (access === "forbidden")
    sendXml(res, 403, errorXml(TORZNAB_ERRORS.insufficientPrivileges, "this key lacks the downloads scope"));
  else sendXml(res, 401, errorXml(TORZNAB_ERRORS.badCredentials, "incorrect user credentials: send apikey=<key>"));
  return false;
}

/** `apikey=` as Torznab clients send it, or the usual headers. */
function presentedKey(req: Request, url: URL): string | undefined {
  const query = url.searchParams.get("apikey");
  if (query) return query;
  const header = req.headers["x-api-key"];
  if (typeof header === "string" && header !== "") return header;
  const auth = req.headers.authorization;
  return typeof auth === "string" && auth.startsWith("Bearer ") ? auth.slice(7).trim() : undefined;
}

function originOf(req: Request, options: TorznabRouteOptions): string {
  if (options.publicUrl) return options.publicUrl.replace(/\/+$/, "");
  const host = req.headers.host ?? (req.headers as Record<string, string | undefined>)[":authority"] ?? "localhost";
  return `${options.tls ? "https" : "http"}://${host}`;
}

function sendXml(res: Response, status: number, body: string): void {
  res.writeHead(status, {
    "Content-Type": "application/xml; charset=utf-8",
    "Content-Length": String(Buffer.byteLength(body)),
    "Cache-Control": "no-store",
    "X-Content-Type-Options": "nosniff",
  });
  res.end(body);
}
