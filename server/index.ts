/**
 * Public surface of the serving peer. Everything else under server/ is
 * internal and may change.
 */
export { startPeerServer, type PeerServer, type PeerServerHooks } from "./peer-server.js";
export {
  createPeerHandler,
  type PeerHandler,
  type PeerHandlerOptions,
  type NextFunction,
} from "./embed/peer-handler.js";
export {
  resolveServerOptions,
  shareNameProblem,
  DEFAULT_HOST,
  DEFAULT_PORT,
  DEFAULT_MAX_STREAMS,
  DEFAULT_MAX_STREAMS_PER_KEY,
  DEFAULT_READ_MAX_BYTES,
  type PeerServerOptions,
  type ShareOption,
} from "./options.js";
export type { ServerExtension, ServerExtensionContext, ServerExtensionFactory } from "./extension.js";
export type { Catalog, FileEntry } from "./catalog/catalog.js";
export type { Principal, Authenticate } from "./auth/principal.js";
export type { KeyStore, CreatedKey, KeyInfo } from "./auth/key-store.js";
export type { StreamLimiter, StreamPermit } from "./limits/stream-limiter.js";
export { PROTOCOL_VERSION, MIN_CLIENT_VERSION, CAPABILITIES } from "./rpc/handshake.js";
export { RETRY_AFTER_MS_HEADER } from "./errors.js";
export { extractApiKey } from "./auth/token.js";
export type { WebView, WebViewAnswer, WebViewRequest, WebViewSession } from "./web/web-view.js";
export { html, escapeHtml, SafeHtml } from "../common/html.js";
export { layout } from "./web/layout.js";
export { formatSize, formatWhen } from "./web/format.js";
