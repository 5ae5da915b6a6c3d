/**
 * What the download queue tells its watchers (docs/service.md, "Watching without losing a change"): every state change stored in the
 * event log, in order and once per actual change, before it is announced; progress kept in memory and
 * announced at most once a second per download, never stored.
 */
import type { Logger } from "pino";
import type { DownloadEvent } from "../client/index.js";
import type { LiveProgress } from "./download-message.js";
import type { EventLog, StateEvent } from "./event-log.js";

/** Most progress announcements per download: one a second. @default 1000 */
export const PROGRESS_INTERVAL_MS = 1000;

/** What watchers hear. */
export type QueueEvent =
  | { readonly kind: "state"; readonly event: StateEvent }
  | { readonly kind: "progress"; readonly downloadId: string; readonly at: number };

/** The state an engine event moves a download to; undefined for events that change no state. */
export function stateOfEvent(event: DownloadEvent): string | undefined {
  switch (event.type) {
    case "queued":
    case "retrying":
      return "queued";
    case "started":
      return "downloading";
    case "verifying":
    case "completed":
    case "failed":
    case "paused":
    case "cancelled":
      return event.type;
    default:
      return undefined;
  }
}

/** The queue's watchers, its state log and its live progress. */
export interface QueueEvents {
  /** Stores a state change (in order, once per actual change) and then announces it. */
  record(downloadId: string, state: string): void;
  /** Takes one engine event: live progress, and the state it moves the download to. */
  onEngineEvent(event: DownloadEvent): void;
  /** What a running download did lately. */
  live(downloadId: string): LiveProgress | undefined;
  /** Forgets a removed download's progress. */
  forget(downloadId: string): void;
  /** Subscribes to events; returns the unsubscribe function. */
  subscribe(listener: (event: QueueEvent) => void): () => void;
  /** Resolves once every state change seen so far is stored and announced. */
  settled(): Promise<void>;
}

/** Creates the queue's event side over its state log. */
export function createQueueEvents(log: EventLog, now: () => number, logger: Logger): QueueEvents {
  const listeners = new Set<(event: QueueEvent) => void>();
  const lastState = new Map<string, string>();
  const live = new Map<string, LiveProgress>();
  const lastProgress = new Map<string, number>();
  let chain: Promise<void> = Promise.resolve();

  function announce(event: QueueEvent): void {
    for (const l of listeners) {
      try {
        l(event);
      } catch (error) {
        logger.warn({ err: error }, "a download watcher failed");
      }
    }
  }

  function record(downloadId: string, state: string): void {
    if (lastState.get(downloadId) === state) return;
    lastState.set(downloadId, state);
    const at = now();
    chain = chain
      .then(() => log.append(downloadId, state, at))
      .then((event) => announce({ kind: "state", event }))
      .catch((error: unknown) =>
        logger.error({ err: error, downloadId, state }, "cannot store a download state change"),
      );
  }

  function noteProgress(id: string, bytes: number, bytesPerSecond: number): void {
    const at = now();
    const before = live.get(id);
    live.set(id, {
      bytes,
      bytesPerSecond,
      lastActivityMs: before === undefined || bytes > before.bytes ? at : before.lastActivityMs,
    });
    if (at - (lastProgress.get(id) ?? 0) < PROGRESS_INTERVAL_MS) return;
    lastProgress.set(id, at);
    announce({ kind: "progress", downloadId: id, at });
  }

  return {
    record,
    onEngineEvent(event) {
      if (event.type === "progress") noteProgress(event.id, event.bytes, event.bytesPerSecond);
      else if (event.type === "validated") noteProgress(event.id, event.resumeFrom, 0);
      const state = stateOfEvent(event);
      if (state !== undefined) record(event.id, state);
    },
    live: (id) => live.get(id),
    forget(id) {
      live.delete(id);
      lastProgress.delete(id);
    },
    subscribe(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    settled: () => chain,
  };
}
