/** The client SDK's public surface: the only entry point for other modules. */
export {
  createPeerClient,
  normalizePeerUrl,
  TRANSPORT_KINDS,
  DEFAULT_CALL_TIMEOUT_MS,
  type PeerClient,
  type PeerClientOptions,
  type TransportKind,
  type CallOptions,
  type ReadFileParams,
  type ListItemsParams,
} from "./peer-client.js";
export { DownloadError, classify, type DownloadErrorCode, type ErrorAction } from "./errors.js";
export { CLIENT_PROTOCOL_VERSION, MIN_PEER_PROTOCOL_VERSION, checkCompatibility, compareSemver } from "./version.js";
