import type { Migration, MigrationProvider } from "kysely";
import * as createDownload from "./0001_create_download.js";
import * as pieces from "./0002_pieces.js";

/** The client database's migrations, listed statically (no directory scan). */
export const clientMigrations: Readonly<Record<string, Migration>> = Object.freeze({
  "0001_create_download": createDownload,
  "0002_pieces": pieces,
});

/** A MigrationProvider over {@link clientMigrations}. */
export const clientMigrationProvider: MigrationProvider = {
  getMigrations: async () => ({ ...clientMigrations }),
};
