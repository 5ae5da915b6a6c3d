/**
 * Content named by its pieces root (AddDownload's `root`, and every torrent):
 * found on the remotes (ListItems by pieces root), then queued from the first
 * remote that has it, with the given mirrors as extra sources (every piece
 * verified against the root, whoever sent it). A torrent is decoded
 * (common/torrent/) to its root and web seeds first; what cannot be fetched
 * this way is refused with the reason. A multi-file torrent becomes one folder
 * job of the remote holding its files (service/torrent-folder.ts).
 */
import path from "node:path";
import { Code, ConnectError } from "@connectrpc/connect";
import type { Logger } from "pino";
import { createPeerClient, type Download, type PeerRef } from "../client/index.js";
import { decodeTorrent, type TorrentInfo } from "../common/torrent/decode-torrent.js";
import type { DownloadQueue } from "./download-queue.js";
import type { OnExisting } from "../client/transfer/existing-policy.js";
import { invalid } from "./errors.js";
import { allRemotes } from "./resolve-remote.js";
import { commonFolderId, filesToCheck } from "./torrent-folder.js";
import { webSeedMirrors } from "./web-seeds.js";

/** Items asked for per pieces root when placing a folder torrent's file (the same bytes may be in several places). */
const HOLDERS_PAGE = 50;

/** Largest .torrent accepted: 8 MiB. */
export const MAX_TORRENT_BYTES = 8 * 1024 * 1024;

/** Where and from what else. */
export interface AddRootOptions {
  /** Folder relative to the download root. */
  readonly destination: string;
  /** Extra plain HTTP(S) mirrors. */
  readonly mirrors: readonly string[];
  /** When the destination holds other content. @default "refuse" */
  readonly onExisting?: OnExisting | undefined;
}

/** A queued torrent: its downloads (one, or one per file of a folder job) and what the torrent said. */
export interface AddedTorrent {
  readonly downloads: Download[];
  readonly torrent: TorrentInfo;
  /** The folder job of a multi-file torrent: its id and the folder on this machine. */
  readonly folder?: { readonly id: string; readonly destination: string } | undefined;
}

/** Adds content by pieces root or by torrent. */
export interface TorrentAdder {
  addRoot(piecesRoot: string, options: AddRootOptions): Promise<Download>;
  addTorrent(bytes: Uint8Array, options: AddRootOptions): Promise<AddedTorrent>;
}

/** Creates the adder over the queue. */
export function createTorrentAdder(queue: DownloadQueue, logger: Logger): TorrentAdder {
  async function find(piecesRoot: string): Promise<{ peer: PeerRef; itemId: string } | undefined> {
    for (const remote of await allRemotes(queue.dataDir)) {
      const client = createPeerClient({
        baseUrl: remote.peer.url,
        apiKey: remote.peer.key,
        clientName: "peer-service",
      });
      try {
        const page = await client.listItems({ piecesRoot, pageSize: 1 });
        const item = page.items.find((i) => i.piecesRoot === piecesRoot && !i.isFolder);
        if (item !== undefined) return { peer: remote.peer, itemId: item.id };
      } catch (error) {
        logger.info(
          { remote: remote.name, err: (error as Error).message },
          "a remote could not be asked for a pieces root",
        );
      } finally {
        client.close();
      }
    }
    return undefined;
  }

  /** The remote and folder id holding every checked file of a multi-file torrent. */
  async function findFolder(torrent: TorrentInfo): Promise<{ peer: PeerRef; folderId: string } | undefined> {
    const checked = filesToCheck(torrent.files);
    if (checked.length === 0) return undefined;
    for (const remote of await allRemotes(queue.dataDir)) {
      const client = createPeerClient({
        baseUrl: remote.peer.url,
        apiKey: remote.peer.key,
        clientName: "peer-service",
      });
      try {
        const holders: string[][] = [];
        for (const file of checked) {
          const page = await client.listItems({ piecesRoot: file.piecesRoot, pageSize: HOLDERS_PAGE });
          holders.push(page.items.filter((i) => i.piecesRoot === file.piecesRoot && !i.isFolder).map((i) => i.id));
          // A remote without the first file cannot hold the folder.
          if (holders[0]?.length === 0) break;
        }
        const folderId = commonFolderId(checked, holders);
        if (folderId !== undefined) return { peer: remote.peer, folderId };
      } catch (error) {
        logger.info({ remote: remote.name, err: (error as Error).message }, "a remote could not be asked for a folder");
      } finally {
        client.close();
      }
    }
    return undefined;
  }

  /** A multi-file torrent as one folder job of the remote holding its files. */
  async function addFolderTorrent(torrent: TorrentInfo, options: AddRootOptions): Promise<AddedTorrent> {
    const found = await findFolder(torrent);
    if (found === undefined)
      throw new ConnectError(
        `this torrent cannot be fetched: no remote holds the folder "${torrent.name.slice(0, 100)}" with its files; add the peer that shares it with: peer remote add NAME URL`,
        Code.FailedPrecondition,
      );
    const folder = await queue.addFolder({
      peer: found.peer,
      itemId: found.folderId,
      destination: options.destination,
    });
    if (path.basename(folder.destination) !== torrent.name)
      logger.info(
        { torrent: torrent.name, folder: found.folderId },
        "the remote's folder has another name than the torrent: it lands under the remote's name",
      );
    return { downloads: folder.downloads, torrent, folder: { id: folder.id, destination: folder.destination } };
  }

  async function addRoot(piecesRoot: string, options: AddRootOptions): Promise<Download> {
    if (!/^[0-9a-f]{64}$/.test(piecesRoot)) throw invalid("pieces_root must be 64 lower-case hex characters");
    const found = await find(piecesRoot);
    if (found === undefined)
      throw new ConnectError(
        `no remote has the content of pieces root ${piecesRoot}; add the peer that shares it with: peer remote add NAME URL`,
        Code.FailedPrecondition,
      );
    return queue.add({
      ...found,
      destination: options.destination,
      mirrors: options.mirrors,
      onExisting: options.onExisting,
    });
  }

  return {
    addRoot,
    async addTorrent(bytes, options) {
      if (bytes.length > MAX_TORRENT_BYTES) throw invalid(`the torrent is larger than ${MAX_TORRENT_BYTES} bytes`);
      const decoded = decodeTorrent(bytes);
      if (!decoded.ok)
        throw new ConnectError(`this torrent cannot be fetched: ${decoded.error}`, Code.FailedPrecondition);
      const torrent = decoded.value;
      if (torrent.infoHashV2 === undefined)
        throw new ConnectError(
          "this torrent cannot be fetched: it is v1-only (peer fetches BitTorrent v2 or hybrid torrents, by pieces root)",
          Code.FailedPrecondition,
        );
      const file = torrent.files[0];
      if (torrent.files.length !== 1 || file?.path.length !== 1) return addFolderTorrent(torrent, options);
      if (file.piecesRoot === undefined)
        throw new ConnectError("this torrent cannot be fetched: its only file is empty", Code.FailedPrecondition);
      const mirrors = webSeedMirrors(torrent);
      if (mirrors.length === 0)
        throw new ConnectError("this torrent cannot be fetched: it has no HTTP(S) web seed", Code.FailedPrecondition);
      const download = await addRoot(file.piecesRoot, {
        destination: options.destination,
        mirrors: [...mirrors, ...options.mirrors].slice(0, 15),
        onExisting: options.onExisting,
      });
      return { downloads: [download], torrent };
    },
  };
}
