/**
 * startPeerServer: wires the serving peer together — database, key store,
 * background hasher, catalog, stream limiter, Connect routes with auth and
 * logging interceptors, the HTTP file route as fallback — and listens.
 */
import type http from "node:http";
import type http2 from "node:http2";
import { Code } from "@connectrpc/connect";
import { connectNodeAdapter } from "@connectrpc/connect-node";
import { pino, type Logger } from "pino";
import { PeerService } from "../gen/peer/v1/peer_pb.js";
import type { Catalog } from "./catalog/catalog.js";
import { createDirCatalog } from "./catalog/dir-catalog.js";
import { openKeyStore, type KeyStore } from "./auth/key-store.js";
import { createAuthInterceptor } from "./auth/auth-interceptor.js";
import { createBackgroundHasher, type BackgroundHasher } from "./digest/background-hasher.js";
import { createStreamLimiter, type StreamLimiter } from "./limits/stream-limiter.js";
import { createCallLogInterceptor } from "./logging/call-log-interceptor.js";
import { openServerDatabase } from "./store/database.js";
import { type Listener, listen, type RequestListener } from "./listen.js";
import { isGrpcRequest, specGrpcMessages } from "./rpc/grpc-message.js";
import { createRoutes } from "./routes.js";
import { fail } from "./errors.js";
import { isValidAuthority, localAuthority } from "./request-guard.js";
import { resolveServerOptions, type PeerServerOptions } from "./options.js";
import type { ServerExtension } from "./extension.js";
import { createFileRoute } from "./http/serve-file.js";
import { openLinkStore, type LinkStore } from "./links/link-store.js";
import { createLinkRoute } from "./links/link-route.js";
import { writeServerInfo } from "./public-url.js";
import { openSessionStore, type SessionStore } from "./web/session-store.js";
import { createWebRoute } from "./web/web-route.js";
import { createTorrentRoute } from "./torrent/torrent-route.js";
import { getPieces } from "./store/pieces-repository.js";
import { PROTOCOL_VERSION } from "./rpc/handshake.js";
import { createFastReadFile, type FastRequest, type FastResponse } from "./rpc/fast-read-file/fast-read-file.js";

/** A running serving peer. */
export interface PeerServer {
  /** Base URL, e.g. `http://127.0.0.1:8080` (`https://` with TLS). */
  readonly url: string;
  /** The bound port. */
  readonly port: number;
  /** The API keys of this server. */
  readonly keys: KeyStore;
  /** The shared items. */
  readonly catalog: Catalog;
  /** Share links (docs/web.md). */
  readonly links: LinkStore;
  /** Web page sessions. @internal */
  readonly sessions: SessionStore;
  /** Base URL of links and torrents: `publicUrl` when given, else {@link url}. */
  readonly publicUrl: string;
  /** Concurrent stream caps (shared by ReadFile and the HTTP route). */
  readonly limiter: StreamLimiter;
  /** The background SHA-256 hasher. @internal */
  readonly hasher: BackgroundHasher;
  /** Graceful stop: refuses new calls, ends running streams (UNAVAILABLE), resolves within a few seconds. Idempotent. */
  close(): Promise<void>;
}

/** Test seams of {@link startPeerServer}. @internal */
export interface PeerServerHooks {
  /** Called after ReadFile reads a chunk from disk, before it is sent. */
  readonly onChunkRead?: (itemId: string, offset: number, bytes: number) => void;
}

/** Formats a base URL for a bound address (wildcards become loopback). */
function baseUrl(host: string, port: number, tls: boolean): string {
  const h = host === "0.0.0.0" ? "127.0.0.1" : host === "::" ? "::1" : host;
  return `${tls ? "https" : "http"}://${h.includes(":") ? `[${h}]` : h}:${port}`;
}

function sendJson(res: http.ServerResponse | http2.Http2ServerResponse, status: number, body: object): void {
  const text = JSON.stringify(body);
  if (res.headersSent) {
    res.end();
    return;
  }
  res.statusCode = status;
  res.setHeader("content-type", "application/json");
  res.setHeader("content-length", Buffer.byteLength(text));
  (res as http.ServerResponse).end(text);
}

/** A warning when connections are refused over the cap, at most one per 10 s (a flood must not flood the log). */
function refusalLog(logger: Logger, max: number): (open: number) => void {
  let last = -Infinity;
  let refused = 0;
  return (open) => {
    refused++;
    if (performance.now() - last < 10_000) return;
    last = performance.now();
    logger.warn({ open, maxConnections: max, refused }, "connection refused: too many connections (--max-connections)");
    refused = 0;
  };
}

/** Starts a serving peer; rejects with a clear Error on bad options or when the port is taken. */
export async function startPeerServer(options: PeerServerOptions, hooks: PeerServerHooks = {}): Promise<PeerServer> {
  const resolved = resolveServerOptions(options);
  const logger: Logger = resolved.logger ?? pino({ name: "peer" }, pino.destination(2));
  const db = await openServerDatabase(resolved.dataDir, {
    databaseUrl: resolved.databaseUrl,
    onTightened: (dir, from, to) =>
      logger.warn({ dataDir: dir, from, to }, "data directory was open to others; made it private"),
  });
  const keys = openKeyStore(db);
  const links = openLinkStore(db);
  const sessions = openSessionStore(db);
  const hasher = createBackgroundHasher({ db, concurrency: resolved.hashConcurrency, logger });
  let catalog: Catalog;
  try {
    catalog = createDirCatalog(resolved.shares, { digests: hasher });
  } catch (error) {
    await db.destroy();
    throw error;
  }
  const limiter = createStreamLimiter({
    maxPerKey: resolved.maxStreamsPerKey,
    maxTotal: resolved.maxStreams,
    retryAfterMs: resolved.retryAfterMs,
  });
  const shutdown = new AbortController();
  const fileRoute = createFileRoute({ catalog, authenticate: keys.authenticate, logger, limiter });
  const linkRoute = createLinkRoute({ catalog, links, logger, limiter });
  const webRoute = createWebRoute({
    catalog,
    authenticate: keys.authenticate,
    sessions,
    links,
    logger,
    limiter,
    tls: resolved.tls !== undefined,
    publicUrl: resolved.publicUrl,
    torrents: true,
  });
  const torrentRoute = createTorrentRoute({
    catalog,
    authenticate: keys.authenticate,
    sessions,
    links,
    pieces: (itemId, etag) => getPieces(db, itemId, etag),
    logger,
    tls: resolved.tls !== undefined,
    publicUrl: resolved.publicUrl,
    createdBy: `peer ${PROTOCOL_VERSION}`,
  });

  let extension: ServerExtension = {};
  try {
    extension =
      (await options.extension?.({
        authenticate: keys.authenticate,
        logger,
        shutdownSignal: shutdown.signal,
        tls: resolved.tls !== undefined,
      })) ?? {};
  } catch (error) {
    await hasher.close();
    await db.destroy();
    throw error;
  }
  const baseRoutes = createRoutes({
    catalog,
    limiter,
    serverName: resolved.serverName,
    shutdownSignal: shutdown.signal,
    pieces: hasher,
    retryAfterMs: resolved.retryAfterMs,
    onChunkRead: hooks.onChunkRead,
  });
  const handler = connectNodeAdapter({
    routes: (router) => {
      baseRoutes(router);
      extension.routes?.(router);
    },
    readMaxBytes: resolved.readMaxBytes,
    shutdownSignal: shutdown.signal,
    interceptors: [
      createCallLogInterceptor({ logger, shutdownSignal: shutdown.signal }),
      createAuthInterceptor({
        authenticate: keys.authenticate,
        protectedServices: [PeerService, ...(extension.services ?? [])],
      }),
    ],
    fallback(req, nodeRes) {
      // connect-node narrows the type (no `write`); the object is the server's own response.
      const res = nodeRes as unknown as http.ServerResponse | http2.Http2ServerResponse;
      if (shutdown.signal.aborted) {
        sendJson(res, 503, { code: "unavailable", message: "the server is shutting down" });
        return;
      }
      const handled =
        fileRoute(req, res) ||
        linkRoute(req, res) ||
        webRoute(req, res) ||
        torrentRoute(req, res) ||
        (extension.httpRoute?.(req, res) ?? false);
      if (!handled) {
        sendJson(res, 404, {
          code: "not_found",
          message: `no route for ${req.method ?? "?"} ${(req.url ?? "").split("?")[0]?.slice(0, 200)}`,
        });
      }
    },
  });

  const fastReadFile = resolved.fastReadFile
    ? createFastReadFile({
        catalog,
        limiter,
        authenticate: keys.authenticate,
        logger,
        readMaxBytes: resolved.readMaxBytes,
        shutdownSignal: shutdown.signal,
        onChunkRead: hooks.onChunkRead,
      })
    : undefined;

  const guarded: RequestListener = (req, res) => {
    const h2 = "authority" in req;
    if (!isValidAuthority(h2 ? req.authority : req.headers.host)) {
      // See request-guard.ts: connect-node would throw on it and crash the process.
      const replacement = localAuthority(req.socket?.localAddress, req.socket?.localPort);
      if (h2) req.headers[":authority"] = replacement;
      else req.headers.host = replacement;
    }
    // Every answer, JSON and text included (an unknown route's 404 echoes the path): never sniffed as HTML.
    res.setHeader("X-Content-Type-Options", "nosniff");
    // grpc-js reads `grpc-message` per the gRPC spec, not Connect-ES's encodeURIComponent (grpc-message.ts).
    if (isGrpcRequest(req.headers["content-type"])) specGrpcMessages(res);
    try {
      // Binary, uncompressed ReadFile calls; everything else goes to the adapter.
      if (fastReadFile?.(req as FastRequest, res as unknown as FastResponse)) return;
      (handler as RequestListener)(req, res);
    } catch (error) {
      // Never let one request take the process down.
      logger.error({ err: error, method: req.method }, "request handler threw");
      sendJson(res, 500, { code: "internal", message: "internal error" });
    }
  };

  let listener: Listener;
  try {
    listener = await listen(guarded, {
      host: resolved.host,
      port: resolved.port,
      tls: resolved.tls,
      headersTimeoutMs: resolved.headersTimeoutMs,
      requestTimeoutMs: resolved.requestTimeoutMs,
      keepAliveTimeoutMs: resolved.keepAliveTimeoutMs,
      idleTimeoutMs: resolved.idleTimeoutMs,
      sniffTimeoutMs: resolved.sniffTimeoutMs,
      maxConcurrentStreams: resolved.maxConcurrentStreamsPerConnection,
      maxConnections: resolved.maxConnections,
      onRefused: refusalLog(logger, resolved.maxConnections),
    });
  } catch (error) {
    await extension.close?.();
    await hasher.close();
    await db.destroy();
    const code = (error as { code?: unknown }).code;
    if (code === "EADDRINUSE")
      throw new Error(`port ${resolved.port} on ${resolved.host} is in use; pick another with --listen`, {
        cause: error,
      });
    if (code === "EACCES")
      throw new Error(`not allowed to listen on ${resolved.host}:${resolved.port}; use a port above 1023`, {
        cause: error,
      });
    throw error;
  }
  const url = baseUrl(resolved.host, listener.port, resolved.tls !== undefined);
  logger.info({ url, shares: catalog.shares() }, "peer server listening");
  // For `peer links create`, a separate process: the base of the URLs it prints.
  await writeServerInfo(resolved.dataDir, { url, publicUrl: resolved.publicUrl }).catch((err: unknown) =>
    logger.warn({ err }, "cannot write server.json; peer links create will need --base-url"),
  );

  let closed: Promise<void> | undefined;
  const bound = listener;
  return {
    url,
    port: listener.port,
    keys,
    catalog,
    links,
    sessions,
    publicUrl: resolved.publicUrl ?? url,
    limiter,
    hasher,
    close() {
      closed ??= (async () => {
        shutdown.abort(fail(Code.Unavailable, "the server is shutting down; retry later"));
        await bound.close(resolved.closeGraceMs);
        await extension.close?.();
        await hasher.close();
        await db.destroy();
        logger.info("peer server stopped");
      })();
      return closed;
    },
  };
}
