/**
 * WatchDownloads: a snapshot (or, with a cursor, every stored state change
 * after it), then live state changes and throttled progress. Listening starts
 * before the snapshot or the replay is read, and changes already covered by
 * them are skipped by their number, so none is lost or sent twice.
 */
import { create } from "@bufbuild/protobuf";
import { timestampFromMs } from "@bufbuild/protobuf/wkt";
import { Code, ConnectError } from "@connectrpc/connect";
import {
  DownloadSchema,
  DownloadState,
  type WatchDownloadsResponse,
  WatchDownloadsResponseSchema,
  WatchEventKind,
} from "../gen/peer/v1/download_pb.js";
import { downloadMessage } from "./download-message.js";
import type { DownloadQueue, QueueEvent } from "./download-queue.js";
import { invalid } from "./errors.js";
import type { StateEvent } from "./event-log.js";

/** Events one watcher may fall behind by before its stream ends (it reconnects with its cursor). @default 10000 */
export const MAX_PENDING_EVENTS = 10_000;
/** Stored changes read per replay query. @default 500 */
const REPLAY_PAGE = 500;

/** Parses a cursor ("" = none). */
export function parseCursor(cursor: string): number | undefined {
  if (cursor === "") return undefined;
  if (!/^\d{1,15}$/.test(cursor)) throw invalid("cursor is not one this server gave out");
  return Number(cursor);
}

/** The stream of one WatchDownloads call; ends when `signal` aborts. */
export async function* watchDownloads(
  queue: DownloadQueue,
  cursor: string,
  signal: AbortSignal,
): AsyncGenerator<WatchDownloadsResponse> {
  const from = parseCursor(cursor);
  const pending: QueueEvent[] = [];
  let wake: (() => void) | undefined;
  let overflow = false;
  const unsubscribe = queue.subscribe((event) => {
    if (pending.length >= MAX_PENDING_EVENTS) overflow = true;
    else pending.push(event);
    wake?.();
  });
  const onAbort = () => wake?.();
  signal.addEventListener("abort", onAbort);
  try {
    let seq: number;
    const replay = from === undefined ? undefined : await queue.log.after(from, REPLAY_PAGE);
    if (replay === undefined) {
      seq = await queue.log.last();
      const all = await queue.list();
      yield create(WatchDownloadsResponseSchema, {
        kind: WatchEventKind.SNAPSHOT,
        snapshot: all.map((d) => downloadMessage(d, queue.root, queue.live(d.id))),
        cursor: String(seq),
        at: timestampFromMs(Date.now()),
      });
    } else {
      seq = from ?? 0;
      let page = replay;
      for (;;) {
        for (const event of page) {
          yield await stateMessage(queue, event);
          seq = event.seq;
        }
        if (page.length < REPLAY_PAGE) break;
        page = (await queue.log.after(seq, REPLAY_PAGE)) ?? [];
      }
    }
    while (!signal.aborted) {
      if (overflow)
        throw new ConnectError(
          "this watcher fell too far behind; reconnect with the last cursor",
          Code.ResourceExhausted,
        );
      const event = pending.shift();
      if (event === undefined) {
        await new Promise<void>((resolve) => {
          wake = resolve;
        });
        wake = undefined;
        continue;
      }
      if (event.kind === "state") {
        if (event.event.seq <= seq) continue;
        seq = event.event.seq;
        yield await stateMessage(queue, event.event);
        continue;
      }
      const d = await queue.get(event.downloadId);
      if (d === undefined) continue;
      yield create(WatchDownloadsResponseSchema, {
        kind: WatchEventKind.PROGRESS,
        download: downloadMessage(d, queue.root, queue.live(d.id)),
        cursor: String(seq),
        at: timestampFromMs(event.at),
      });
    }
  } finally {
    signal.removeEventListener("abort", onAbort);
    unsubscribe();
  }
}

async function stateMessage(queue: DownloadQueue, event: StateEvent): Promise<WatchDownloadsResponse> {
  const d = event.state === "removed" ? undefined : await queue.get(event.downloadId);
  return create(WatchDownloadsResponseSchema, {
    kind: d === undefined ? WatchEventKind.REMOVED : WatchEventKind.STATE,
    download:
      d === undefined
        ? create(DownloadSchema, { id: event.downloadId, state: DownloadState.UNSPECIFIED })
        : downloadMessage(d, queue.root, queue.live(d.id), event.state),
    cursor: String(event.seq),
    at: timestampFromMs(event.at),
  });
}
