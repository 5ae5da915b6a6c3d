/** Remotes: named peers with their keys, kept in `<data-dir>/remotes.json` (0600). */
export { checkRemoteName, isRemoteName, REMOTE_NAME_MAX } from "./remote-name.js";
export { checkKeyText, keyLabel, KEY_MAX_LENGTH } from "./key-label.js";
export {
  formatRemotes,
  parseRemotes,
  REMOTES_FORMAT_VERSION,
  type Remote,
  type ParsedRemotes,
} from "./remotes-format.js";
export { checkPrivateFile, type FileOwnership, type Reader } from "./private-file.js";
export {
  readRemotes,
  updateRemotes,
  remotesPath,
  RemotesFileError,
  REMOTES_FILE,
  LOCK_WAIT_MS,
  STALE_LOCK_MS,
} from "./remote-store.js";
export {
  resolvePeer,
  needsRemotes,
  type ResolvedPeer,
  type PeerResolution,
  type PeerArgument,
} from "./resolve-peer.js";
