/** Typed progress events of the download manager. */

/** Fields every event has. */
export interface EventBase {
  /** Job id. */
  readonly id: string;
  /** File name. */
  readonly fileName: string;
  /** Event time (ISO 8601). */
  readonly time: string;
}

/** An error as events and JSON lines carry it. */
export interface EventError {
  readonly code: string;
  readonly message: string;
}

/** Everything the manager reports. */
export type DownloadEvent =
  | (EventBase & { readonly type: "queued"; readonly destination: string })
  | (EventBase & { readonly type: "started"; readonly attempt: number; readonly resumeFrom: number })
  | (EventBase & {
      readonly type: "validated";
      readonly size: number;
      readonly etag: string;
      readonly sha256: string | null;
      /** BEP 52 pieces root the bytes are checked against; null on the whole-file path (docs/pieces.md). */
      readonly piecesRoot: string | null;
      readonly resumeFrom: number;
    })
  | (EventBase & {
      readonly type: "progress";
      readonly bytes: number;
      readonly size: number | null;
      readonly bytesPerSecond: number;
      readonly etaSeconds: number | null;
      /** Per source (pieces path only; absent on the whole-file path): what each delivered and at what rate. */
      readonly sources?: readonly SourceProgress[];
      /** Open reads of the download (a player on `peer get --stream`): absent when nothing reads it. */
      readonly reads?: readonly ReadProgress[];
    })
  | (EventBase & { readonly type: "restarted"; readonly reason: string; readonly restarts: number })
  | (EventBase & {
      readonly type: "retrying";
      readonly attempt: number;
      readonly delayMs: number;
      readonly error: EventError;
    })
  | (EventBase & { readonly type: "verifying" })
  | (EventBase & {
      readonly type: "completed";
      readonly destination: string;
      readonly size: number;
      readonly sha256: string;
      readonly digestVerified: boolean;
      /** What was checked: every piece against the pieces root, the whole file's SHA-256, or only the size. */
      readonly verified: Verification;
      /** The pieces root, when the file was verified against one. */
      readonly piecesRoot: string | null;
      /** True when the destination already held this content: nothing was fetched. @default undefined */
      readonly alreadyThere?: boolean;
    })
  | (EventBase & {
      readonly type: "piece-failed";
      /** Index of the piece whose bytes did not match its hash (it is read again). */
      readonly index: number;
      /** Who sent the bytes (the peer's URL), or "disk" for a part damaged on disk. */
      readonly source: string;
    })
  | (EventBase & {
      readonly type: "source-banned";
      /** The source's URL (a peer's base URL or a mirror URL). */
      readonly source: string;
      /** Why: the piece that failed its hash, or the size it served. */
      readonly reason: string;
    })
  | (EventBase & { readonly type: "failed"; readonly error: EventError })
  | (EventBase & { readonly type: "paused"; readonly error: EventError })
  | (EventBase & { readonly type: "cancelled" })
  /** A folder job (docs/downloads.md "Folder jobs"): `id` is the folder job's, `fileName` the folder's name. */
  | (EventBase & {
      readonly type: "folder-queued";
      readonly destination: string;
      readonly files: number;
      /** Files already in place (downloaded earlier or reused now), and the bytes of the folder in all and in place. */
      readonly completedFiles: number;
      readonly bytes: number;
      readonly doneBytes: number;
      readonly reusedFiles: number;
      readonly reusedBytes: number;
      readonly refused: number;
      readonly removed: number;
    })
  | (EventBase & { readonly type: "folder-ended"; readonly summary: FolderSummaryEvent });

/** A folder job's outcome, as the `folder-ended` event carries it. */
export interface FolderSummaryEvent {
  readonly status: string;
  readonly files: number;
  readonly completed: number;
  readonly reusedFiles: number;
  readonly reusedBytes: number;
  readonly failed: number;
  readonly refused: number;
  readonly removed: number;
}

/** One source's share of a download, in progress events. */
export interface SourceProgress {
  /** The peer's base URL or the mirror's URL. */
  readonly url: string;
  readonly kind: "peer" | "mirror";
  /** Verified bytes it delivered in this attempt. */
  readonly bytes: number;
  /** Its measured rate (bytes per second; 0 until measured). */
  readonly bytesPerSecond: number;
  /** `active`: reading now or ready; `waiting`: backing off after a failure; `banned`; `unusable` (lacks the content, ignores ranges, or failed for good). */
  readonly state: "active" | "waiting" | "banned" | "unusable";
}

/** One open read of a download in progress (docs/downloads.md "Reading a download while it runs"). */
export interface ReadProgress {
  /** First byte of the range read. */
  readonly start: number;
  /** One past its last byte. */
  readonly end: number;
  /** Next byte the reader needs. */
  readonly position: number;
  /** Bytes of its read-ahead window (from `position`). */
  readonly readAhead: number;
  /** Bytes of the window verified and ready (contiguous from `position`). */
  readonly ready: number;
  /** True while the reader waits for a piece. */
  readonly waiting: boolean;
}

/** What a completed download was checked against. */
export type Verification = "pieces root" | "sha256" | "size only";

/** Event type names. */
export type DownloadEventType = DownloadEvent["type"];

/** A listener. */
export type DownloadListener = (event: DownloadEvent) => void;
