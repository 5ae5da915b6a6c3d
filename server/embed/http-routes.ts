/**
 * The HTTP routes served beside PeerService, as a list: the Connect adapter's fallback tries
 * them in order and the first that takes the request answers it. A new route is one more entry
 * in {@link createHttpRoutes} (docs/architecture.md).
 */
import type pino from "pino";
import type { Catalog } from "../catalog/catalog.js";
import type { Authenticate } from "../auth/principal.js";
import type { StreamLimiter } from "../limits/stream-limiter.js";
import type { LinkStore } from "../links/link-store.js";
import type { SessionStore } from "../web/session-store.js";
import type { FileRoute } from "../http/serve-file.js";
import { createFileRoute } from "../http/serve-file.js";
import { createLinkRoute } from "../web/link-route.js";
import { createWebRoute } from "../web/web-route.js";
import type { WebView } from "../web/web-view.js";
import { createTorrentRoute } from "../torrent/torrent-route.js";
import type { Kysely } from "kysely";
import type { ServerDatabase } from "../store/database.js";
import { getPieces } from "../store/pieces-repository.js";
import { PROTOCOL_VERSION } from "../rpc/handshake.js";

/** One route: handles the request and returns true, or returns false touching nothing. */
export interface HttpRoute {
  /** Short name, for logs and tests (`files`, `links`…). */
  readonly name: string;
  readonly handle: FileRoute;
}

/** What the routes share. */
export interface HttpRoutesDeps {
  /** The server store (cached piece trees for torrents). */
  readonly db: Kysely<ServerDatabase>;
  readonly catalog: Catalog;
  readonly authenticate: Authenticate;
  readonly links: LinkStore;
  readonly sessions: SessionStore;
  readonly limiter: StreamLimiter;
  readonly logger: pino.Logger;
  /** Served over TLS: session cookies get Secure and `__Host-`. */
  readonly tls: boolean;
  /** Base URL of share links and torrents; the request's origin when absent. */
  readonly publicUrl: string | undefined;
  /** The extension's view of the web page (server/web/web-view.ts), if any. */
  readonly view?: WebView | undefined;
}

/** The routes, in the order they are tried. */
export function createHttpRoutes(deps: HttpRoutesDeps): readonly HttpRoute[] {
  const { db, catalog, authenticate, links, sessions, limiter, logger, tls, publicUrl, view } = deps;
  return [
    { name: "files", handle: createFileRoute({ catalog, authenticate, logger, limiter }) },
    { name: "links", handle: createLinkRoute({ catalog, links, logger, limiter }) },
    {
      name: "web",
      handle: createWebRoute({
        catalog,
        authenticate,
        sessions,
        links,
        logger,
        limiter,
        tls,
        publicUrl,
        torrents: true,
        view,
      }),
    },
    {
      name: "torrents",
      handle: createTorrentRoute({
        catalog,
        authenticate,
        sessions,
        links,
        pieces: (itemId, etag) => getPieces(db, itemId, etag),
        logger,
        tls,
        publicUrl,
        createdBy: `peer ${PROTOCOL_VERSION}`,
      }),
    },
  ];
}
