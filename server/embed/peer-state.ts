/**
 * What a serving peer holds open: the store, the key, link and session stores, the background
 * hasher, the catalog and the stream limiter — opened in order, closed in reverse.
 */
import type { Kysely } from "kysely";
import type { Logger } from "pino";
import type { Catalog } from "../catalog/catalog.js";
import { createDirCatalog } from "../catalog/dir-catalog.js";
import { openKeyStore, type KeyStore } from "../auth/key-store.js";
import type { Authenticate } from "../auth/principal.js";
import { createBackgroundHasher, type BackgroundHasher } from "../digest/background-hasher.js";
import { createStreamLimiter, type StreamLimiter } from "../limits/stream-limiter.js";
import { openServerDatabase, type ServerDatabase } from "../store/database.js";
import { openLinkStore, type LinkStore } from "../links/link-store.js";
import { openSessionStore, type SessionStore } from "../web/session-store.js";
import type { ResolvedServerOptions } from "../options.js";

/** The open parts of a serving peer. */
export interface PeerState {
  readonly db: Kysely<ServerDatabase>;
  readonly keys: KeyStore;
  readonly authenticate: Authenticate;
  readonly links: LinkStore;
  readonly sessions: SessionStore;
  readonly hasher: BackgroundHasher;
  readonly catalog: Catalog;
  readonly limiter: StreamLimiter;
  /** Stops the hasher, then closes the database. */
  close(): Promise<void>;
}

/** Opens the store and everything built on it; closes what it opened when a later step throws. */
export async function openPeerState(resolved: ResolvedServerOptions, logger: Logger): Promise<PeerState> {
  const db = await openServerDatabase(resolved.dataDir, {
    databaseUrl: resolved.databaseUrl,
    onTightened: (dir, from, to) =>
      logger.warn({ dataDir: dir, from, to }, "data directory was open to others; made it private"),
  });
  const keys = openKeyStore(db);
  const hasher = createBackgroundHasher({ db, concurrency: resolved.hashConcurrency, logger });
  const close = async () => {
    await hasher.close();
    await db.destroy();
  };
  let catalog: Catalog;
  try {
    catalog = createDirCatalog(resolved.shares, { digests: hasher });
  } catch (error) {
    await close();
    throw error;
  }
  return {
    db,
    keys,
    authenticate: keys.authenticate,
    links: openLinkStore(db),
    sessions: openSessionStore(db),
    hasher,
    catalog,
    limiter: createStreamLimiter({
      maxPerKey: resolved.maxStreamsPerKey,
      maxTotal: resolved.maxStreams,
      retryAfterMs: resolved.retryAfterMs,
    }),
    close,
  };
}
