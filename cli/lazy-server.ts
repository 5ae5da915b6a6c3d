/**
 * The server parts `peer keys` and `peer links` load only when they run (imported with `await import`), so
 * that `peer --help` and usage errors do not open a database driver (docs/performance.md).
 */
export {
  linkUrl,
  openKeyStore,
  openLinkStore,
  openServerDatabase,
  parsePublicUrl,
  readServerInfo,
} from "../server/internal.js";
