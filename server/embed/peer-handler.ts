/**
 * createPeerHandler: a serving peer as one Node request handler — PeerService (Connect, gRPC,
 * gRPC-Web), the file route, share links, torrents and the web page — for an app's own
 * `node:http`/`node:http2` server, Express or Fastify (docs/sdk.md). startPeerServer is this
 * handler plus a listener. The caller owns the lifecycle: close() stops the hashing worker and
 * closes the database, never the caller's server.
 */
import { Code } from "@connectrpc/connect";
import { pino, type Logger } from "pino";
import { fail } from "../errors.js";
import { resolveServerOptions, type PeerServerOptions, type ResolvedServerOptions } from "../options.js";
import type { RequestListener } from "../listen.js";
import type { Catalog } from "../catalog/catalog.js";
import type { KeyStore } from "../auth/key-store.js";
import type { LinkStore } from "../links/link-store.js";
import type { StreamLimiter } from "../limits/stream-limiter.js";
import type { BackgroundHasher } from "../digest/background-hasher.js";
import type { SessionStore } from "../web/session-store.js";
import type { RouteRequest, RouteResponse } from "../http/route-call.js";
import { pathPrefixProblem, stripPathPrefix } from "./path-prefix.js";
import { openPeerState, type PeerState } from "./peer-state.js";
import { createHttpRoutes, type HttpRoute } from "./http-routes.js";
import type { ServerExtension, ServerExtensionFactory } from "../extension.js";
import { readCookie, secureCookies, sessionCookieName } from "../web/cookies.js";
import { createRpcHandler, type PeerHooks } from "./rpc-handler.js";
import { sendJson } from "./send-json.js";

/** Options of {@link createPeerHandler}: those of `peer serve` that are not about listening. */
export type PeerHandlerOptions = Pick<
  PeerServerOptions,
  | "shares"
  | "dataDir"
  | "databaseUrl"
  | "logger"
  | "maxStreamsPerKey"
  | "maxStreams"
  | "serverName"
  | "readMaxBytes"
  | "retryAfterMs"
  | "hashConcurrency"
  | "publicUrl"
  | "fastReadFile"
  | "extension"
> & {
  /** Serve everything below this path (`/peer` → `/peer/peer.v1.PeerService/…`, `/peer/v1/files/…`); "" is the root. @default "" */
  pathPrefix?: string;
  /** The app is reached over HTTPS: session cookies get `Secure` and the `__Host-` prefix. @default publicUrl starts with https: */
  secure?: boolean;
};

/** Called when the request is not the peer's (Express's and Connect's `next`). */
export type NextFunction = (error?: unknown) => void;

/** A serving peer as a request handler (HTTP/1.1 and HTTP/2 compatibility API; Express-style `next`). */
export interface PeerHandler {
  /**
   * Serves the request when its path is under `pathPrefix` and a route takes it; otherwise calls
   * `next()` when given, else answers 404.
   */
  (req: RouteRequest, res: RouteResponse, next?: NextFunction): void;
  /** The API keys of this peer. */
  readonly keys: KeyStore;
  /** The shared items. */
  readonly catalog: Catalog;
  /** Share links (docs/web.md). */
  readonly links: LinkStore;
  /** Concurrent stream caps (shared by ReadFile and the HTTP routes). */
  readonly limiter: StreamLimiter;
  /** The path prefix served under ("" for the root). */
  readonly pathPrefix: string;
  /** Web page sessions. @internal */
  readonly sessions: SessionStore;
  /** The background SHA-256 hasher. @internal */
  readonly hasher: BackgroundHasher;
  /**
   * Stops serving: new requests get 503/UNAVAILABLE, running streams end with UNAVAILABLE, the
   * hashing worker stops and the database closes. Close your server first. Idempotent.
   */
  close(): Promise<void>;
}

/** What startPeerServer needs beyond the handler: the two halves of close(). @internal */
export interface OpenedPeer {
  readonly handler: PeerHandler;
  /** Refuses new calls and ends running streams (UNAVAILABLE). */
  readonly stopServing: () => void;
  /** Stops the hashing worker and closes the database. */
  readonly release: () => Promise<void>;
}

/** How {@link openPeer} is called: resolved options plus what only a listener knows. @internal */
export interface OpenPeerOptions {
  readonly resolved: ResolvedServerOptions;
  readonly logger: Logger;
  readonly pathPrefix: string;
  readonly tls: boolean;
  readonly hooks: PeerHooks;
  /** More services and a route on the same handler (server/extension.ts). */
  readonly extension?: ServerExtensionFactory | undefined;
}

/** Creates a serving peer as a request handler; rejects with a clear Error on bad options. */
export async function createPeerHandler(options: PeerHandlerOptions, hooks: PeerHooks = {}): Promise<PeerHandler> {
  const pathPrefix = options.pathPrefix ?? "";
  const problem = pathPrefixProblem(pathPrefix);
  if (problem !== undefined) throw new Error(problem);
  if (options.secure !== undefined && typeof options.secure !== "boolean") {
    throw new TypeError(`secure must be true or false, got ${String(options.secure)}`);
  }
  const resolved = resolveServerOptions(options);
  const logger = resolved.logger ?? pino({ name: "peer" }, pino.destination(2));
  const tls = options.secure ?? resolved.publicUrl?.startsWith("https:") === true;
  const opened = await openPeer({ resolved, logger, pathPrefix, tls, hooks, extension: options.extension });
  return opened.handler;
}

/** Opens the state, builds the routes and the handler. @internal (startPeerServer) */
export async function openPeer(options: OpenPeerOptions): Promise<OpenedPeer> {
  const { resolved, logger } = options;
  const state = await openPeerState(resolved, logger);
  const shutdown = new AbortController();
  let extension: ServerExtension;
  try {
    extension =
      (await options.extension?.({
        authenticate: state.authenticate,
        principal: state.keys.principal,
        logger,
        shutdownSignal: shutdown.signal,
        tls: options.tls,
        secureCookies: secureCookies(options.tls, resolved.publicUrl),
        publicUrl: resolved.publicUrl,
        webSession: async (cookie) => {
          const name = sessionCookieName(secureCookies(options.tls, resolved.publicUrl));
          const session = await state.sessions.resolve(readCookie(cookie, name));
          return session === undefined ? undefined : { principal: session.principal, csrf: session.csrf };
        },
      })) ?? {};
  } catch (error) {
    await state.close();
    throw error;
  }
  const routes: readonly HttpRoute[] = [
    ...createHttpRoutes({
      ...state,
      logger,
      tls: options.tls,
      publicUrl: resolved.publicUrl,
      view: extension.webView,
    }),
    ...(extension.httpRoute ? [{ name: "extension", handle: extension.httpRoute }] : []),
  ];
  const nextOf = new WeakMap<RouteRequest, NextFunction>();
  const rpc = createRpcHandler({
    state,
    resolved,
    logger,
    shutdownSignal: shutdown.signal,
    hooks: options.hooks,
    extension,
    fallback(req, res) {
      if (shutdown.signal.aborted) {
        sendJson(res, 503, { code: "unavailable", message: "the server is shutting down" });
        return;
      }
      for (const route of routes) if (route.handle(req, res)) return;
      notOurs(req, res, nextOf.get(req));
    },
  });
  const stopServing = () => shutdown.abort(fail(Code.Unavailable, "the server is shutting down; retry later"));
  let released: Promise<void> | undefined;
  const release = () => {
    released ??= (async () => {
      await extension.close?.();
      await state.close();
    })();
    return released;
  };
  const handle = (req: RouteRequest, res: RouteResponse, next?: NextFunction): void => {
    const target = req.url ?? "/";
    const below = stripPathPrefix(target, options.pathPrefix);
    if (below === undefined) {
      notOurs(req, res, next);
      return;
    }
    if (below !== target) {
      req.url = below;
      // Put the app's URL back when the request goes on to the app's own routes.
      next &&= restoreUrl(req, target, next);
    }
    if (next !== undefined) nextOf.set(req, next);
    rpc(req as Parameters<RequestListener>[0], res);
  };
  const handler: PeerHandler = Object.assign(handle, {
    keys: state.keys,
    catalog: state.catalog,
    links: state.links,
    limiter: state.limiter,
    pathPrefix: options.pathPrefix,
    sessions: state.sessions,
    hasher: state.hasher,
    async close() {
      stopServing();
      await release();
    },
  });
  return { handler, stopServing, release };
}

/** A request no route took: the app's `next`, or 404. */
function notOurs(req: RouteRequest, res: RouteResponse, next: NextFunction | undefined): void {
  if (next !== undefined) {
    next();
    return;
  }
  sendJson(res, 404, {
    code: "not_found",
    message: `no route for ${req.method ?? "?"} ${(req.url ?? "").split("?")[0]?.slice(0, 200)}`,
  });
}

/** `next` that first gives the request back its original URL. */
function restoreUrl(req: RouteRequest, url: string, next: NextFunction): NextFunction {
  return (error?: unknown) => {
    req.url = url;
    next(error);
  };
}

export type { PeerState, PeerHooks };
