/**
 * What a hybrid torrent of one file or one folder is made of, gathered from the
 * catalog and the cached BEP 52 trees: the files (relative paths, sizes,
 * roots, layers at the torrent's piece length) and the v1 SHA-1 pieces
 * (v1-pieces.ts). Says "hashing" while any file has no tree yet or the v1 pieces
 * are being computed (the route answers 503 + Retry-After).
 */
import { createHash } from "node:crypto";
import type { Catalog, FileEntry } from "../catalog/catalog.js";
import { coarserLayer } from "../../common/torrent/coarser-layer.js";
import { torrentLayout, type HybridTorrentInput, type TorrentFile } from "../../common/torrent/hybrid-torrent.js";
import { torrentPieceLength } from "../../common/torrent/piece-length.js";
import type { StoredPieces } from "../store/pieces-repository.js";
import type { V1PiecesCache } from "./v1-pieces.js";

/** How long a request waits for its v1 pieces before answering 503 + Retry-After (ms). */
export const V1_WAIT_MS = 5000;

/** Most files in a folder torrent (a bigger folder gets 422: make torrents of its sub-folders). */
export const MAX_TORRENT_FILES = 10_000;

/** What to make a torrent of. */
export type TorrentSubject =
  | { readonly kind: "file"; readonly entry: FileEntry }
  | { readonly kind: "folder"; readonly folderId: string; readonly name: string };

/** The outcome: the torrent's parts, or why not yet / not at all. */
export type TorrentContent =
  | { readonly kind: "ready"; readonly input: Omit<HybridTorrentInput, "webSeed" | "createdBy"> }
  | { readonly kind: "hashing" }
  | { readonly kind: "not-found" }
  | { readonly kind: "refused"; readonly reason: string };

/** Where the parts come from. */
export interface TorrentSources {
  readonly catalog: Catalog;
  readonly pieces: (itemId: string, etag: string) => Promise<StoredPieces | undefined>;
  readonly v1: V1PiecesCache;
}

const sha256 = (data: Uint8Array): Uint8Array => createHash("sha256").update(data).digest();

/** The files of a folder, recursively; undefined when it is not a folder, "too many" beyond the cap. */
async function folderFiles(catalog: Catalog, folderId: string): Promise<FileEntry[] | "too many" | undefined> {
  const files: FileEntry[] = [];
  let pageToken: string | undefined;
  do {
    let page: Awaited<ReturnType<Catalog["list"]>>;
    try {
      page = await catalog.list({ folder: folderId, pageSize: 1000, pageToken });
    } catch {
      return undefined;
    }
    files.push(...page.items);
    if (files.length > MAX_TORRENT_FILES) return "too many";
    pageToken = page.nextPageToken;
  } while (pageToken !== undefined);
  return files;
}

/** Gathers a torrent's parts. */
export async function torrentContent(sources: TorrentSources, subject: TorrentSubject): Promise<TorrentContent> {
  const listed = subject.kind === "file" ? [subject.entry] : await folderFiles(sources.catalog, subject.folderId);
  if (listed === undefined) return { kind: "not-found" };
  if (listed === "too many")
    return {
      kind: "refused",
      reason: `the folder holds more than ${MAX_TORRENT_FILES} files; make torrents of its sub-folders`,
    };
  const total = listed.reduce((sum, f) => sum + f.size, 0);
  if (total === 0)
    return {
      kind: "refused",
      reason:
        subject.kind === "file"
          ? "an empty file has no BitTorrent v2 torrent (BEP 52 gives it no pieces root)"
          : "the folder holds no bytes (no files, or only empty ones): a torrent needs at least one piece",
    };
  const trees: Array<StoredPieces | undefined> = [];
  for (const f of listed) {
    const tree = f.size === 0 ? undefined : await sources.pieces(f.id, f.etag);
    if (f.size > 0 && (tree === undefined || tree.piecesRoot === "")) return { kind: "hashing" };
    trees.push(tree);
  }
  const minimum = Math.max(...trees.map((t) => t?.pieceLength ?? 0));
  const pieceLength = torrentPieceLength(total, minimum);
  const prefix = subject.kind === "folder" ? `${subject.folderId}/` : "";
  const files: TorrentFile[] = listed.map((f, i) => {
    const tree = trees[i];
    return {
      path: subject.kind === "file" ? [f.name] : f.id.slice(prefix.length).split("/"),
      size: f.size,
      piecesRoot: tree?.piecesRoot ?? "",
      layer: tree === undefined ? "" : coarserLayer(tree.layer, f.size, tree.pieceLength, pieceLength, sha256),
    };
  });
  const layout = torrentLayout(files, pieceLength);
  const byPath = new Map(listed.map((f, i) => [(files[i] as TorrentFile).path.join("/"), f]));
  const key = createHash("sha256")
    .update(JSON.stringify([pieceLength, listed.map((f) => [f.id, f.etag])]))
    .digest("hex");
  const job = () =>
    layout.flatMap((e) => {
      if (e.kind === "pad") return [];
      const entry = byPath.get(e.file.path.join("/")) as FileEntry;
      return [
        {
          path: entry.path,
          size: entry.size,
          check: async () => (await sources.catalog.stat(entry.id))?.etag === entry.etag,
        },
      ];
    });
  let v1 = sources.v1.get(key, layout, pieceLength, job);
  if (v1.state === "pending") {
    // Small torrents hash in milliseconds: wait a little rather than send every client a 503 first.
    await Promise.race([v1.settled, new Promise((resolve) => setTimeout(resolve, V1_WAIT_MS).unref())]);
    v1 = sources.v1.get(key, layout, pieceLength, job);
  }
  if (v1.state === "pending") return { kind: "hashing" };
  if (v1.state === "failed") return { kind: "hashing" }; // changed while hashing: the next ask starts over
  const newest = Math.max(...listed.map((f) => f.modified.getTime()));
  return {
    kind: "ready",
    input: {
      name: subject.kind === "file" ? subject.entry.name : subject.name,
      folder: subject.kind === "folder",
      pieceLength,
      files,
      v1Pieces: v1.pieces,
      creationDate: Math.floor(newest / 1000),
    },
  };
}
