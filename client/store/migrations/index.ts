import type { Migration, MigrationProvider } from "kysely";
import * as createDownload from "./0001_create_download.js";

/** The client database's migrations, listed statically (no directory scan). */
export const clientMigrations: Readonly<Record<string, Migration>> = Object.freeze({
  "0001_create_download": createDownload,
});

/** A MigrationProvider over {@link clientMigrations}. */
export const clientMigrationProvider: MigrationProvider = {
  getMigrations: async () => ({ ...clientMigrations }),
};
