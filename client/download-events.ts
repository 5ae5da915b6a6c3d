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
      readonly resumeFrom: number;
    })
  | (EventBase & {
      readonly type: "progress";
      readonly bytes: number;
      readonly size: number | null;
      readonly bytesPerSecond: number;
      readonly etaSeconds: number | null;
    })
  | (EventBase & { readonly type: "restarted"; readonly reason: string; readonly restarts: number })
  | (EventBase & { readonly type: "retrying"; readonly attempt: number; readonly delayMs: number; readonly error: EventError })
  | (EventBase & { readonly type: "verifying" })
  | (EventBase & {
      readonly type: "completed";
      readonly destination: string;
      readonly size: number;
      readonly sha256: string;
      readonly digestVerified: boolean;
    })
  | (EventBase & { readonly type: "failed"; readonly error: EventError })
  | (EventBase & { readonly type: "paused"; readonly error: EventError })
  | (EventBase & { readonly type: "cancelled" });

/** Event type names. */
export type DownloadEventType = DownloadEvent["type"];

/** A listener. */
export type DownloadListener = (event: DownloadEvent) => void;
