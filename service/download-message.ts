/** Maps the engine's Download (plus what the service sees live) to the proto `peer.v1.Download`. */
import { create } from "@bufbuild/protobuf";
import { timestampFromMs } from "@bufbuild/protobuf/wkt";
import { type Download as DownloadMessage, DownloadSchema, DownloadState } from "../gen/peer/v1/download_pb.js";
import type { Download, DownloadStatus } from "../client/index.js";
import { relativeToRoot } from "./destination.js";

/** What the service knows of a running download beyond its row. */
export interface LiveProgress {
  /** Bytes written so far in this run. */
  readonly bytes: number;
  /** Current rate. */
  readonly bytesPerSecond: number;
  /** Last time bytes arrived, ms since the epoch. */
  readonly lastActivityMs: number;
}

const STATE: Readonly<Record<DownloadStatus, DownloadState>> = {
  queued: DownloadState.QUEUED,
  downloading: DownloadState.DOWNLOADING,
  verifying: DownloadState.VERIFYING,
  completed: DownloadState.COMPLETED,
  failed: DownloadState.FAILED,
  cancelled: DownloadState.CANCELLED,
  paused: DownloadState.PAUSED,
};

/** The proto state of an engine status (or of a stored event's state word). */
export function stateOf(status: string): DownloadState {
  return STATE[status as DownloadStatus] ?? DownloadState.UNSPECIFIED;
}

/** The engine status of a proto state, undefined for UNSPECIFIED. */
export function statusOf(state: DownloadState): DownloadStatus | undefined {
  return (Object.keys(STATE) as DownloadStatus[]).find((s) => STATE[s] === state);
}

/** Bytes done: the live count while running, the size once complete, else the durable count. */
export function bytesDone(d: Download, live: LiveProgress | undefined): number {
  if (d.status === "completed") return d.size ?? d.committedBytes;
  if (live !== undefined && (d.status === "downloading" || d.status === "verifying" || d.status === "queued"))
    return Math.max(live.bytes, d.committedBytes);
  return d.committedBytes;
}

/** The message for a download; `state` overrides the row's (a replayed event says what it was then). */
export function downloadMessage(
  d: Download,
  root: string,
  live: LiveProgress | undefined,
  state?: string,
): DownloadMessage {
  const running = d.status === "downloading" || d.status === "verifying";
  return create(DownloadSchema, {
    id: d.id,
    name: d.fileName,
    peerUrl: d.peerUrl,
    itemId: d.itemId,
    path: relativeToRoot(root, d.destination),
    state: stateOf(state ?? d.status),
    size: BigInt(d.size ?? 0),
    sizeKnown: d.size !== null,
    bytesDone: BigInt(bytesDone(d, live)),
    bytesPerSecond: BigInt(running && live !== undefined ? Math.round(live.bytesPerSecond) : 0),
    attempts: d.attempts,
    errorCode: d.error?.code ?? "",
    errorMessage: d.error?.message ?? "",
    piecesRoot: d.piecesRoot ?? "",
    sha256: d.sha256 ?? "",
    createdAt: timestampFromMs(d.createdAt.getTime()),
    updatedAt: timestampFromMs(d.updatedAt.getTime()),
    completedAt: d.completedAt === null ? undefined : timestampFromMs(d.completedAt.getTime()),
    lastActivityAt: live === undefined ? undefined : timestampFromMs(live.lastActivityMs),
    nextAttemptAt: d.nextAttemptAt === null ? undefined : timestampFromMs(d.nextAttemptAt.getTime()),
  });
}
