import type { Migration, MigrationProvider } from "kysely";
import * as createDownload from "./0001_create_download.js";
import * as pieces from "./0002_pieces.js";
import * as addLeaseToken from "./0003_add_lease_token.js";
import * as downloadSource from "./0004_download_source.js";
import * as onExisting from "./0005_on_existing.js";
import * as downloadFolder from "./0006_download_folder.js";
import * as sequential from "./0007_sequential.js";

/** The client database's migrations, listed statically (no directory scan). */
export const clientMigrations: Readonly<Record<string, Migration>> = Object.freeze({
  "0001_create_download": createDownload,
  "0002_pieces": pieces,
  "0003_add_lease_token": addLeaseToken,
  "0004_download_source": downloadSource,
  "0005_on_existing": onExisting,
  "0006_download_folder": downloadFolder,
  "0007_sequential": sequential,
});

/** A MigrationProvider over {@link clientMigrations}. */
export const clientMigrationProvider: MigrationProvider = {
  getMigrations: async () => ({ ...clientMigrations }),
};
