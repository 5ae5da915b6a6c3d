/**
 * `peer serve --downloads <dir>` (docs/service.md): the download queue in the
 * serving process. Composes client/ (the engine, its store, the remotes) and
 * server/ (through its extension hook) without either importing the other:
 * DownloadService and the qBittorrent API (`/api/v2/`) on the same port, every
 * destination inside `<dir>`.
 */
import { mkdir } from "node:fs/promises";
import path from "node:path";
import { createDownloadManager } from "../client/index.js";
import { readRemotes } from "../client/remotes/index.js";
import { DownloadService } from "../gen/peer/v1/download_pb.js";
import type { ServerExtension, ServerExtensionFactory } from "../server/index.js";
import { createDownloadQueue, type DownloadQueue } from "./download-queue.js";
import { createDownloadRpc } from "./download-rpc.js";
import { openServiceDatabase } from "./store/database.js";
import { createTorrentAdder } from "./torrent-add.js";
import { createDownloadsView } from "./downloads-view/downloads-view.js";
import { torznabRoute } from "./torznab/torznab-extension.js";
import { createDownloadContentRoute } from "./download-content.js";
import { createQbtRoute } from "./qbittorrent/qbt-route.js";
import { openQbtStore } from "./qbittorrent/qbt-store.js";

/** Options of {@link downloadServiceExtension}. */
export interface DownloadServiceOptions {
  /** The download root: every destination is inside it (created if missing). */
  readonly downloadDir: string;
  /** The data dir: the engine's `downloads.db`, `service.db`, and the remotes. */
  readonly dataDir: string;
  /** PostgreSQL URL of a shared queue; SQLite in the data dir when absent. @default undefined */
  readonly databaseUrl?: string | undefined;
  /** Base URL of this server for the Torznab download links; the request's origin when absent. @default undefined */
  readonly publicUrl?: string | undefined;
  /** Test seam: receives the queue once it runs. */
  readonly onQueue?: ((queue: DownloadQueue) => void) | undefined;
}

/** The server extension that runs the queue and serves DownloadService. */
export function downloadServiceExtension(options: DownloadServiceOptions): ServerExtensionFactory {
  return async (context): Promise<ServerExtension> => {
    const root = path.resolve(options.downloadDir);
    await mkdir(root, { recursive: true });
    const remotes = await readRemotes(options.dataDir);
    const manager = createDownloadManager({
      dataDir: options.dataDir,
      databaseUrl: options.databaseUrl,
      downloadDir: root,
      keys: remotes.map((r) => r.key),
    });
    const db = await openServiceDatabase(options.dataDir, options.databaseUrl);
    try {
      const queue = createDownloadQueue({ manager, db, root, dataDir: options.dataDir, logger: context.logger });
      // Listening before start(): the re-driven jobs' first changes are logged too.
      await manager.start();
      const torrents = createTorrentAdder(queue, context.logger);
      options.onQueue?.(queue);
      context.logger.info({ downloadDir: root }, "download service running");
      return {
        routes: (router) => router.service(DownloadService, createDownloadRpc(queue, torrents)),
        services: [DownloadService],
        webView: createDownloadsView(queue, torrents, context.logger),
        httpRoute: (() => {
          const torznab = torznabRoute({
            dataDir: options.dataDir,
            authenticate: context.authenticate,
            logger: context.logger,
            tls: context.tls,
            publicUrl: options.publicUrl,
          });
          const qbt = createQbtRoute({ queue, torrents, store: openQbtStore(db), logger: context.logger }, context);
          const content = createDownloadContentRoute(manager, context);
          return (req, res) => torznab(req, res) || qbt(req, res) || content(req, res);
        })(),
        async close() {
          await manager.close();
          await queue.settled();
          await db.destroy();
        },
      };
    } catch (error) {
      await manager.close().catch(() => undefined);
      await db.destroy();
      throw error;
    }
  };
}
