/**
 * `GET|HEAD /v1/torrents/<item id>[?link-expires=<seconds>]` (key or web
 * session): a BitTorrent v2 .torrent of one file whose web seed is a share
 * link of the caller's key, reused while it suits (link-store.ts webSeedLink,
 * docs/web.md "Link lifecycle"), so a GET does not add a row each time. 503 + Retry-After while the server is still
 * hashing the file; 422 for an empty file (BEP 52 gives it no root).
 */
import type pino from "pino";
import { allows, scopeDeniedMessage } from "../auth/scope.js";
import type { Authenticate } from "../auth/principal.js";
import type { Catalog } from "../catalog/catalog.js";
import { compileRoute } from "../http/route.js";
import { runCall, sendHead, sendNotFound, sendText, type Call } from "../http/route-call.js";
import { presentedKey, resolveChunkSize, type FileRoute } from "../http/serve-file.js";
import { contentDisposition } from "../../common/http/content-disposition.js";
import { linkBase } from "../links/link-path.js";
import type { LinkStore } from "../links/link-store.js";
import type { StoredPieces } from "../store/pieces-repository.js";
import type { SessionStore } from "../web/session-store.js";
import { secureCookies } from "../web/cookies.js";
import { sessionOf } from "../web/web-route.js";
import { requestOrigin } from "../web/web-request.js";
import { buildTorrent } from "./torrent-file.js";

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
  const services = { catalog: options.catalog, logger: options.logger, chunkSize: resolveChunkSize(undefined) };
  return (req, res) => {
    const match = matcher.match(req.url ?? "/");
    if (match.kind === "outside") return false;
    runCall(services, req, res, match.kind === "match" ? match.value : undefined, (call) => handle(call, options));
    return true;
  };
}

async function handle(call: Call, options: TorrentRouteOptions): Promise<void> {
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
  const entry = call.itemId === undefined ? undefined : await options.catalog.stat(call.itemId);
  if (entry === undefined) {
    sendNotFound(call);
    return;
  }
  const seconds = parseLinkExpires(new URL(call.req.url ?? "/", "http://x").searchParams.get("link-expires"));
  if (seconds === undefined) {
    sendText(call, 400, `link-expires must be whole seconds between 60 and ${MAX_LINK_EXPIRES_S}\n`);
    return;
  }
  if (entry.size === 0) {
    sendText(call, 422, "an empty file has no BitTorrent v2 torrent (BEP 52 gives it no pieces root)\n");
    return;
  }
  const tree = await options.pieces(entry.id, entry.etag);
  if (tree === undefined || tree.piecesRoot === "") {
    sendText(call, 503, "the peer is still hashing this file; retry in a moment\n", { "Retry-After": "2" });
    return;
  }
  const headers = {
    "Content-Type": "application/x-bittorrent",
    "Content-Disposition": contentDisposition(`${entry.name}.torrent`),
    "Cache-Control": "no-store",
  };
  if (call.method === "HEAD") {
    // A HEAD makes no link: it only says a torrent is ready.
    sendHead(call, 200, headers);
    return;
  }
  const link = await options.links.webSeedLink({
    target: entry.id,
    createdBy: principal.keyId,
    credential,
    lifeMs: seconds * 1000,
    note: "torrent web seed",
  });
  call.linkId = link.id;
  const torrent = buildTorrent({
    name: entry.name,
    size: entry.size,
    piecesRoot: tree.piecesRoot,
    pieceLength: tree.pieceLength,
    layer: tree.layer,
    webSeed: linkBase(options.publicUrl ?? requestOrigin(call, options.tls), link.token),
    creationDate: Math.floor(Date.now() / 1000),
    createdBy: options.createdBy ?? "peer",
  });
  call.bytes = torrent.length;
  sendHead(call, 200, { ...headers, "Content-Length": String(torrent.length) }, torrent);
}
