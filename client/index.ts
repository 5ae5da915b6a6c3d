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
} from "./rpc/peer-client.js";
export { DownloadError, classify, type DownloadErrorCode, type ErrorAction } from "./errors.js";
export { CLIENT_PROTOCOL_VERSION, MIN_PEER_PROTOCOL_VERSION, checkCompatibility, compareSemver } from "./version.js";
export {
  createDownloadManager,
  type DownloadManager,
  type PeerRef,
  type EnqueueOptions,
  type DeleteResult,
  type StartOptions,
} from "./manager/download-manager.js";
export type { DownloadManagerOptions } from "./options.js";
export { DOWNLOAD_DEFAULTS } from "./options.js";
export type {
  DownloadEvent,
  DownloadEventType,
  DownloadListener,
  SourceProgress,
  Verification,
} from "./events/download-events.js";
export type { Download } from "./store/download-mapper.js";
export type { DownloadSource, DownloadSourceState } from "./store/download-source-mapper.js";
export { MAX_JOB_SOURCES } from "./sources/plan-sources.js";
export { checkMirrorUrl } from "./sources/mirror-url.js";
export type { DownloadStatus } from "./store/download.table.js";
export { DOWNLOAD_STATUSES } from "./store/download.table.js";
export { openDownloadsDatabase, DOWNLOADS_DATABASE_FILE } from "./store/database.js";
export { runWorker, type WorkerOptions } from "./manager/run-worker.js";
export type { TransferFs } from "./transfer/part-file.js";
export { checkFileName } from "./transfer/safe-name.js";
export type { EnqueueFolderOptions, FolderMethods } from "./manager/manager-api.js";
export { FOLDERS_CAPABILITY, type FolderEnqueueResult } from "./folder/enqueue-folder.js";
export type { FolderStatus, FolderSummary } from "./folder/folder-summary.js";
export { checkRelativePath, type RelativePathCheck } from "./folder/relative-path.js";
export { serveStream, startStreamServer, type StreamServer, type StreamServerOptions } from "./stream/stream-server.js";
export type { StreamTap } from "./stream/stream-tap.js";
