/**
 * The client parts a command loads only when it runs (imported with `await import`), so that `peer --help`
 * and usage errors load neither Connect nor the store (docs/performance.md).
 */
export {
  needsRemotes,
  normalizePeerUrl,
  openPartFile,
  placeNoReplace,
  placeReplacing,
  resolvePeer,
  startStreamServer,
} from "../client/internal.js";
