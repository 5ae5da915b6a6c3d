import type { Migration, MigrationProvider } from "kysely";
import * as createApiKey from "./0001_create_api_key.js";
import * as createFileDigest from "./0002_create_file_digest.js";
import * as createFilePieces from "./0003_create_file_pieces.js";
import * as createShareLink from "./0004_create_share_link.js";
import * as createWebSession from "./0005_create_web_session.js";
import * as addApiKeyScopes from "./0006_add_api_key_scopes.js";

/**
 * The server database's migrations, listed statically (no directory scan, so
 * they work the same from tsx, a bundle or a test). Names sort in order.
 */
export const serverMigrations: Readonly<Record<string, Migration>> = Object.freeze({
  "0001_create_api_key": createApiKey,
  "0002_create_file_digest": createFileDigest,
  "0003_create_file_pieces": createFilePieces,
  "0004_create_share_link": createShareLink,
  "0005_create_web_session": createWebSession,
  "0006_add_api_key_scopes": addApiKeyScopes,
});

/** A MigrationProvider over {@link serverMigrations}. */
export const serverMigrationProvider: MigrationProvider = {
  getMigrations: async () => ({ ...serverMigrations }),
};
