/**
 * startPeerServer: the serving peer of `peer serve` — the request handler of
 * embed/peer-handler.ts (store, hasher, catalog, PeerService, the HTTP routes) on
 * its own listener (listen.ts), plus `server.json` for `peer links create`.
 */
import { pino, type Logger } from "pino";
import type { Catalog } from "./catalog/catalog.js";
import type { KeyStore } from "./auth/key-store.js";
import type { BackgroundHasher } from "./digest/background-hasher.js";
import type { StreamLimiter } from "./limits/stream-limiter.js";
import { type Listener, listen, type RequestListener } from "./listen.js";
import { resolveServerOptions, type PeerServerOptions, type ResolvedServerOptions } from "./options.js";
import type { LinkStore } from "./links/link-store.js";
import { writeServerInfo } from "./public-url.js";
import type { SessionStore } from "./web/session-store.js";
import { openPeer, type OpenedPeer } from "./embed/peer-handler.js";
import type { PeerHooks } from "./embed/rpc-handler.js";

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
export type PeerServerHooks = PeerHooks;

/** Formats a base URL for a bound address (wildcards become loopback). */
function baseUrl(host: string, port: number, tls: boolean): string {
  const h = host === "0.0.0.0" ? "127.0.0.1" : host === "::" ? "::1" : host;
  return `${tls ? "https" : "http"}://${h.includes(":") ? `[${h}]` : h}:${port}`;
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
  const logger = resolved.logger ?? pino({ name: "peer" }, pino.destination(2));
  const tls = resolved.tls !== undefined;
  const peer = await openPeer({ resolved, logger, pathPrefix: "", tls, hooks, extension: options.extension });
  const listener = await listenOrRelease(peer, resolved, logger);
  const url = baseUrl(resolved.host, listener.port, tls);
  logger.info({ url, shares: peer.handler.catalog.shares() }, "peer server listening");
  // For `peer links create`, a separate process: the base of the URLs it prints.
  await writeServerInfo(resolved.dataDir, { url, publicUrl: resolved.publicUrl }).catch((err: unknown) =>
    logger.warn({ err }, "cannot write server.json; peer links create will need --base-url"),
  );
  const { handler } = peer;
  let closed: Promise<void> | undefined;
  return {
    url,
    port: listener.port,
    keys: handler.keys,
    catalog: handler.catalog,
    links: handler.links,
    sessions: handler.sessions,
    publicUrl: resolved.publicUrl ?? url,
    limiter: handler.limiter,
    hasher: handler.hasher,
    close() {
      closed ??= (async () => {
        peer.stopServing();
        await listener.close(resolved.closeGraceMs);
        await peer.release();
        logger.info("peer server stopped");
      })();
      return closed;
    },
  };
}

/** Listens with the handler; on failure releases the peer and says what to do about the port. */
async function listenOrRelease(peer: OpenedPeer, resolved: ResolvedServerOptions, logger: Logger): Promise<Listener> {
  try {
    return await listen(peer.handler as RequestListener, {
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
    await peer.release();
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
}
