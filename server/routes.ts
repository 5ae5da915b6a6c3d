/**
 * Registers the services on a Connect router. PeerService is registered with
 * compression off: gzip on file bytes was 5–10× slower (docs/connect-notes.md).
 */
import type { ConnectRouter } from "@connectrpc/connect";
import { PeerService } from "../gen/peer/v1/peer_pb.js";
import { Health } from "../gen/grpc/health/v1/health_pb.js";
import type { Catalog } from "./catalog/catalog.js";
import type { StreamLimiter } from "./limits/stream-limiter.js";
import { createHandshake } from "./rpc/handshake.js";
import { createListItems } from "./rpc/list-items.js";
import { createStatItem } from "./rpc/stat-item.js";
import { createReadFile } from "./rpc/read-file.js";
import { createHealth } from "./rpc/health.js";
import { createGetPieceHashes, type PiecesSource } from "./rpc/get-piece-hashes.js";
import { fail } from "./errors.js";
import { Code } from "@connectrpc/connect";

/** What the routes need. */
export interface RoutesOptions {
  /** Items served. */
  readonly catalog: Catalog;
  /** Concurrent stream caps (shared with the HTTP route). */
  readonly limiter: StreamLimiter;
  /** Name returned by Handshake. */
  readonly serverName: string;
  /** Aborted at shutdown (health turns NOT_SERVING). */
  readonly shutdownSignal: AbortSignal;
  /** Cached BEP 52 trees (the background hasher); without it GetPieceHashes is UNIMPLEMENTED. */
  readonly pieces?: PiecesSource | undefined;
  /** Retry hint while a root is being computed, ms. @default 1000 */
  readonly retryAfterMs?: number | undefined;
  /** Test seam: observes each chunk ReadFile reads from disk. */
  readonly onChunkRead?: ((itemId: string, offset: number, bytes: number) => void) | undefined;
}

/** Returns the `routes` function for `connectNodeAdapter`. */
export function createRoutes(options: RoutesOptions): (router: ConnectRouter) => void {
  return (router) => {
    router.service(
      PeerService,
      {
        handshake: createHandshake({
          serverName: options.serverName,
          catalog: options.catalog,
          pieces: options.pieces !== undefined,
        }),
        listItems: createListItems(options.catalog, options.pieces),
        statItem: createStatItem(options.catalog),
        readFile: createReadFile({
          catalog: options.catalog,
          limiter: options.limiter,
          onChunkRead: options.onChunkRead,
        }),
        getPieceHashes: options.pieces
          ? createGetPieceHashes({
              catalog: options.catalog,
              pieces: options.pieces,
              retryAfterMs: options.retryAfterMs,
            })
          : async () => {
              throw fail(Code.Unimplemented, 'this server does not compute pieces roots (no "pieces" capability)');
            },
      },
      { acceptCompression: [] },
    );
    router.service(
      Health,
      createHealth({ services: [PeerService.typeName, Health.typeName], shutdownSignal: options.shutdownSignal }),
      { acceptCompression: [] },
    );
  };
}
