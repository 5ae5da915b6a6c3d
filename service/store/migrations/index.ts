import type { Migration, MigrationProvider } from "kysely";
import * as createDownloadEvent from "./0001_create_download_event.js";
import * as createQbittorrent from "./0002_create_qbittorrent.js";
import * as qbtTorrentKind from "./0003_qbt_torrent_kind.js";

/** The service database's migrations, listed statically (works from tsx, a bundle or a test). Names sort in order. */
export const serviceMigrations: Readonly<Record<string, Migration>> = Object.freeze({
  "0001_create_download_event": createDownloadEvent,
  "0002_create_qbittorrent": createQbittorrent,
  "0003_qbt_torrent_kind": qbtTorrentKind,
});

/** A MigrationProvider over {@link serviceMigrations}. */
export const serviceMigrationProvider: MigrationProvider = {
  getMigrations: async () => ({ ...serviceMigrations }),
};
