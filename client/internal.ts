/**
 * The client's internal entry: what the `peer` command needs beyond the public entry (index.ts). Not part
 * of the package's API (CONTRIBUTING.md, "Versions and the public API"). cli/ reaches client/ only through
 * these two files (test/layout/imports.test.ts); it imports this one statically, and loads the heavier
 * parts on demand through cli/lazy-client.ts, so the bundle keeps `--help` light.
 * @internal
 */
export type { TransportKind } from "./rpc/transport-kind.js";
export { TRANSPORT_KINDS } from "./rpc/transport-kind.js";
export { DOWNLOAD_DEFAULTS } from "./options.js";
export { withRetry, type RetryNotice } from "./retry/with-retry.js";
export { checkKeyText, keyLabel } from "./remotes/key-label.js";
export { checkRemoteName } from "./remotes/remote-name.js";
export { readRemotes, remotesPath, RemotesFileError, updateRemotes } from "./remotes/remote-store.js";
export type { Remote } from "./remotes/remotes-format.js";
export { needsRemotes, resolvePeer, type ResolvedPeer } from "./remotes/resolve-peer.js";
export { DOWNLOAD_STATUSES, type DownloadStatus } from "./store/download.table.js";
export { createProgressMeter } from "./events/progress-meter.js";
export type { ReadProgress, SourceProgress } from "./events/download-events.js";
export type { DownloadSource } from "./store/download-source-mapper.js";
export { DownloadError } from "./errors.js";
export { checkMirrorUrl } from "./sources/mirror-url.js";
export { planSources, type PeerSourceInput } from "./sources/plan-sources.js";
export { normalizePeerUrl } from "./rpc/peer-client.js";
export { startStreamServer, type StreamServer } from "./stream/stream-server.js";
export { startFolderStreamServer } from "./stream/folder-stream-server.js";
export type { FolderEntry } from "./stream/folder-index.js";
export { openPartFile, placeNoReplace, placeReplacing } from "./transfer/safe-fs.js";
