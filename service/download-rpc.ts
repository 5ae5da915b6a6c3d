/**
 * The `peer.v1.DownloadService` handlers (proto/peer/v1/download.proto) over
 * the queue: requests checked, answers mapped; WatchDownloads is in
 * watch-downloads.ts.
 */
import { create } from "@bufbuild/protobuf";
import type { ServiceImpl } from "@connectrpc/connect";
import {
  AddDownloadResponseSchema,
  CancelDownloadResponseSchema,
  type DownloadService,
  ExistingFilePolicy,
  GetDownloadResponseSchema,
  ListDownloadsResponseSchema,
  PauseDownloadResponseSchema,
  RemoveDownloadResponseSchema,
  ResumeDownloadResponseSchema,
  RetryDownloadResponseSchema,
  type AddDownloadRequest,
} from "../gen/peer/v1/download_pb.js";
import type { Download, PeerRef } from "../client/index.js";
import type { OnExisting } from "../client/transfer/existing-policy.js";
import { downloadMessage, statusOf } from "./download-message.js";
import type { DownloadQueue } from "./download-queue.js";
import { invalid } from "./errors.js";
import { decodePageToken, encodePageToken } from "./page-token.js";
import { watchDownloads } from "./watch-downloads.js";
import type { TorrentAdder } from "./torrent-add.js";
import { Code, ConnectError } from "@connectrpc/connect";

/** Default and largest page of ListDownloads. */
export const LIST_PAGE_DEFAULT = 100;
/** @default 1000 */
export const LIST_PAGE_MAX = 1000;
/** Most extra sources and mirrors of one AddDownload. @default 16 */
export const MAX_EXTRA_SOURCES = 16;

/** The engine's policy for each proto value: unspecified is the engine's default, never clobber. */
const ON_EXISTING_OF: Readonly<Record<number, OnExisting>> = {
  [ExistingFilePolicy.UNSPECIFIED]: "refuse",
  [ExistingFilePolicy.NEVER_CLOBBER]: "refuse",
  [ExistingFilePolicy.RENAME]: "rename",
  [ExistingFilePolicy.OVERWRITE]: "overwrite",
};

/** Creates the service implementation. */
export function createDownloadRpc(queue: DownloadQueue, torrents: TorrentAdder): ServiceImpl<typeof DownloadService> {
  const message = (d: Download) => downloadMessage(d, queue.root, queue.live(d.id));
  const byId = async (id: string): Promise<Download> => {
    if (id === "") throw invalid("id is required");
    const d = await queue.get(id);
    if (d === undefined) throw new ConnectError(`no download ${id.slice(0, 100)}`, Code.NotFound);
    return d;
  };

  return {
    async addDownload(req) {
      return create(AddDownloadResponseSchema, { downloads: (await addDownloads(queue, torrents, req)).map(message) });
    },
    async listDownloads(req) {
      const size = req.pageSize === 0 ? LIST_PAGE_DEFAULT : req.pageSize;
      if (size < 0 || size > LIST_PAGE_MAX)
        throw invalid(`page_size must be 1–${LIST_PAGE_MAX} (or 0 for ${LIST_PAGE_DEFAULT})`);
      const wanted = new Set(req.states.map((s) => statusOf(s)));
      const offset = decodePageToken(req.pageToken);
      const all = (await queue.list()).filter((d) => wanted.size === 0 || wanted.has(d.status));
      const page = all.slice(offset, offset + size);
      const next = offset + size < all.length ? encodePageToken(offset + size) : "";
      return create(ListDownloadsResponseSchema, { downloads: page.map(message), nextPageToken: next });
    },
    async getDownload(req) {
      return create(GetDownloadResponseSchema, { download: message(await byId(req.id)) });
    },
    watchDownloads: (req, ctx) => watchDownloads(queue, req.cursor, ctx.signal),
    async pauseDownload(req) {
      return create(PauseDownloadResponseSchema, { download: message(await queue.pause((await byId(req.id)).id)) });
    },
    async resumeDownload(req) {
      return create(ResumeDownloadResponseSchema, { download: message(await queue.resume((await byId(req.id)).id)) });
    },
    async cancelDownload(req) {
      return create(CancelDownloadResponseSchema, { download: message(await queue.cancel((await byId(req.id)).id)) });
    },
    async retryDownload(req) {
      return create(RetryDownloadResponseSchema, { download: message(await queue.retry((await byId(req.id)).id)) });
    },
    async removeDownload(req) {
      const r = await queue.remove((await byId(req.id)).id, req.deleteFiles);
      return create(RemoveDownloadResponseSchema, {
        removedFiles: r.removed.map((f) => f.replace(`${queue.root}/`, "")),
        keptFiles: r.kept,
      });
    },
  };
}

/** Queues what an AddDownload request names (the RPC and the web page's downloads view); returns the downloads. */
export async function addDownloads(
  queue: DownloadQueue,
  torrents: TorrentAdder,
  req: AddDownloadRequest,
): Promise<Download[]> {
  const onExisting = ON_EXISTING_OF[req.existingFile];
  if (onExisting === undefined) throw invalid("existing_file is not a known policy");
  if (req.sources.length + req.mirrors.length > MAX_EXTRA_SOURCES)
    throw invalid(`at most ${MAX_EXTRA_SOURCES} sources and mirrors in all`);
  const sources: PeerRef[] = [];
  for (const s of req.sources) sources.push(await queue.peer(s));
  const what = req.what;
  switch (what.case) {
    case "item": {
      if (what.value.itemId === "") throw invalid("item.item_id is required");
      const peer = await queue.peer(what.value.peer);
      if (what.value.folder)
        return (await queue.addFolder({ peer, itemId: what.value.itemId, destination: req.destination })).downloads;
      return [
        await queue.add({
          peer,
          itemId: what.value.itemId,
          destination: req.destination,
          sources,
          mirrors: req.mirrors,
          onExisting,
        }),
      ];
    }
    case "torrent":
      return (await torrents.addTorrent(what.value, { destination: req.destination, mirrors: req.mirrors })).downloads;
    case "root":
      return [
        await torrents.addRoot(what.value.piecesRoot, {
          destination: req.destination,
          mirrors: [...what.value.mirrors, ...req.mirrors],
          onExisting,
        }),
      ];
    default:
      throw invalid("say what to download: item, torrent or root");
  }
}
