/**
 * `GET|HEAD /v1/torrents/<item id>[?link-expires=<seconds>]` and
 * `/v1/torrents/<folder id>/` (key or web session): a hybrid BitTorrent
 * v1+v2 .torrent of one file or one folder whose web seed is a share link of
 * the caller's key, reused while it suits (link-store.ts webSeedLink,
 * docs/web.md). 503 + Retry-After while the server is still hashing; 422 for
 * an empty file or a folder without bytes.
 */
import type pino from "pino";
import { allows, scopeDeniedMessage } from "../auth/scope.js";
import type { Authenticate } from "../auth/principal.js";
import type { Catalog } from "../catalog/catalog.js";
import { compileRoute } from "../http/route.js";
import { runCall, sendHead, sendNotFound, sendText, type Call } from "../http/route-call.js";
import { callServices, presentedKey, type FileRoute } from "../http/serve-file.js";
import { contentDisposition } from "../../common/http/content-disposition.js";
import { linkBase } from "../links/link-path.js";
import type { LinkStore } from "../links/link-store.js";
import type { StoredPieces } from "../store/pieces-repository.js";
import type { SessionStore } from "../web/session-store.js";
import { secureCookies } from "../web/cookies.js";
import { sessionOf } from "../web/web-route.js";
import { requestOrigin } from "../web/web-request.js";
import { buildHybridTorrent } from "../../common/torrent/hybrid-torrent.js";
import { targetPath } from "../http/route.js";
import { createV1PiecesCache, type V1PiecesCache } from "./v1-pieces.js";
import { torrentContent, type TorrentSubject } from "./torrent-content.js";

/** Path template of the route. */
export const TORRENTS_TEMPLATE = "/v1/torrents/{item_id=**}";
/** Default life of the web-seed link: 7 days, in seconds. */
export const DEFAULT_LINK_EXPIRES_S = 7 * 86_400;
/** Longest accepted `link-expires`: 365 days, in seconds (a link also dies with its key). */
export const MAX_LINK_EXPIRES_S = 365 * 86_400;

/** Options of {@link createTorrentRoute}. */
export interface TorrentRouteOptions {
  readonly catalog: Catalog;
  readonly authenticate: Authenticate;
  readonly sessions: SessionStore;
  readonly links: LinkStore;
  /** The cached BEP 52 tree of an item version (pieces-repository.ts). */
  readonly pieces: (itemId: string, etag: string) => Promise<StoredPieces | undefined>;
  readonly logger: pino.Logger;
  readonly tls: boolean;
  /** Base of the web-seed link; the origin the request used when absent. */
  readonly publicUrl?: string | undefined;
  /** `created by` of the torrents. @default "peer" */
  readonly createdBy?: string | undefined;
  /** Where v1 piece hashes are kept. @default a new in-memory cache */
  readonly v1?: V1PiecesCache | undefined;
}

/** Reads `link-expires` (whole seconds, 60 s to 10 years); the default when absent, undefined when bad. */
export function parseLinkExpires(value: string | null): number | undefined {
  if (value === null) return DEFAULT_LINK_EXPIRES_S;
  if (!/^[0-9]{1,10}$/.test(value)) return undefined;
  const seconds = Number(value);
  return seconds >= 60 && seconds <= MAX_LINK_EXPIRES_S ? seconds : undefined;
}

/** Creates the route (false for paths outside `/v1/torrents/`). */
export function createTorrentRoute(options: TorrentRouteOptions): FileRoute {
  const matcher = compileRoute(TORRENTS_TEMPLATE);
  const services = callServices({ catalog: options.catalog, logger: options.logger });
  const v1 = options.v1 ?? createV1PiecesCache();
  return (req, res) => {
    // `<folder id>/`: the template does not match a trailing slash, so match the id without it.
    const path = targetPath(req.url ?? "/");
    const folder = path.endsWith("/") && path.length > 1;
    const match = matcher.match(folder ? path.slice(0, -1) : path);
    if (match.kind === "outside") return false;
    const id = match.kind === "match" ? match.value : undefined;
    runCall(services, req, res, id, (call) => handle(call, { ...options, v1 }, folder));
    return true;
  };
}

/** The file or folder a request names; undefined when it is neither. */
async function subjectOf(
  catalog: Catalog,
  id: string | undefined,
  folder: boolean,
): Promise<TorrentSubject | undefined> {
  if (id === undefined) return undefined;
  if (!folder) {
    const entry = await catalog.stat(id);
    return entry === undefined ? undefined : { kind: "file", entry };
  }
  if ((await catalog.folder(id, { limit: 1 })) === undefined) return undefined;
  return { kind: "folder", folderId: id, name: id.slice(id.lastIndexOf("/") + 1) };
}

async function handle(
  call: Call,
  options: TorrentRouteOptions & { v1: V1PiecesCache },
  folder: boolean,
): Promise<void> {
  if (call.method !== "GET" && call.method !== "HEAD") {
    sendText(call, 405, "method not allowed: use GET or HEAD\n", { Allow: "GET, HEAD" });
    return;
  }
  const key = presentedKey(call.req);
  const session =
    key === undefined
      ? await sessionOf(call, options.sessions, secureCookies(options.tls, options.publicUrl))
      : undefined;
  const principal = key !== undefined ? await options.authenticate(key) : session?.principal;
  const credential = key ?? session?.token;
  if (principal === undefined || credential === undefined) {
    sendText(
      call,
      401,
      "unauthenticated: send Authorization: Bearer <key> or X-Api-Key: <key>, or sign in on the web page\n",
      {
        "WWW-Authenticate": key === undefined ? 'Bearer realm="peer"' : 'Bearer realm="peer", error="invalid_token"',
      },
    );
    return;
  }
  call.keyId = principal.keyId;
  if (!allows(principal.scopes, "read")) {
    sendText(call, 403, `forbidden: ${scopeDeniedMessage("read")}\n`);
    return;
  }
  const subject = await subjectOf(options.catalog, call.itemId, folder);
  if (subject === undefined) {
    sendNotFound(call);
    return;
  }
  const seconds = parseLinkExpires(new URL(call.req.url ?? "/", "http://x").searchParams.get("link-expires"));
  if (seconds === undefined) {
    sendText(call, 400, `link-expires must be whole seconds between 60 and ${MAX_LINK_EXPIRES_S}\n`);
    return;
  }
  const content = await torrentContent({ catalog: options.catalog, pieces: options.pieces, v1: options.v1 }, subject);
  if (content.kind === "not-found") {
    sendNotFound(call);
    return;
  }
  if (content.kind === "refused") {
    sendText(call, 422, `${content.reason}\n`);
    return;
  }
  if (content.kind === "hashing") {
    sendText(call, 503, "the peer is still hashing; retry in a moment\n", { "Retry-After": "2" });
    return;
  }
  const name = content.input.name;
  const headers = {
    "Content-Type": "application/x-bittorrent",
    "Content-Disposition": contentDisposition(`${name}.torrent`),
    "Cache-Control": "no-store",
  };
  if (call.method === "HEAD") {
    // A HEAD makes no link: it only says a torrent is ready.
    sendHead(call, 200, headers);
    return;
  }
  const link = await options.links.webSeedLink({
    target: subject.kind === "file" ? subject.entry.id : `${subject.folderId}/`,
    createdBy: principal.keyId,
    credential,
    lifeMs: seconds * 1000,
    note: "torrent web seed",
  });
  call.linkId = link.id;
  const base = linkBase(options.publicUrl ?? requestOrigin(call, options.tls), link.token);
  const torrent = buildHybridTorrent({
    ...content.input,
    // BEP 19: a client appends `<name>/<path>` to a folder's seed; `<token>//<name>/` is the seed form of a folder link.
    webSeed: subject.kind === "folder" ? `${base}/` : base,
    createdBy: options.createdBy ?? "peer",
  });
  call.bytes = torrent.length;
  sendHead(call, 200, { ...headers, "Content-Length": String(torrent.length) }, torrent);
}
