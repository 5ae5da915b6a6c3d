/**
 * The server's internal entry: what the `peer` command needs beyond the public entry (index.ts) — key and
 * link administration on a data dir. Not part of the package's API (CONTRIBUTING.md, "Versions and the
 * public API"). cli/ reaches server/ only through these two files (test/layout/imports.test.ts); the
 * database-backed parts are loaded on demand through cli/lazy-server.ts.
 * @internal
 */
export { isKeyId } from "./auth/key-format.js";
export { checkKeyName } from "./auth/key-name.js";
export { parseScope, type Scope } from "./auth/scope.js";
export { openKeyStore, type CreatedKey, type KeyInfo, type KeyStore } from "./auth/key-store.js";
export { openLinkStore, type CreatedLink, type LinkInfo, type LinkStore } from "./links/link-store.js";
export { linkUrl } from "./links/link-path.js";
export { openServerDatabase, type ServerDatabase } from "./store/database.js";
export { parsePublicUrl, readServerInfo } from "./public-url.js";
