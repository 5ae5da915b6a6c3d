/** Maps a catalog entry to the wire `Item` (never the disk path). */
import { create } from "@bufbuild/protobuf";
import { timestampFromMs } from "@bufbuild/protobuf/wkt";
import { ItemSchema, type Item } from "../../gen/peer/v1/peer_pb.js";
import type { EmptyFolder, FileEntry } from "../catalog/catalog.js";

/** The `Item` message describing `entry`. */
export function itemMessage(entry: FileEntry): Item {
  return create(ItemSchema, {
    id: entry.id,
    name: entry.name,
    size: BigInt(entry.size),
    modified: timestampFromMs(entry.modified.getTime()),
    etag: entry.etag,
    sha256: entry.sha256 ?? "",
    contentType: entry.contentType,
    share: entry.share,
    piecesRoot: entry.piecesRoot ?? "",
    pieceLength: BigInt(entry.pieceLength ?? 0),
  });
}

/** The `Item` of an empty folder in a folder listing: `is_folder`, no size, etag or root. */
export function folderItemMessage(folder: EmptyFolder): Item {
  return create(ItemSchema, { id: folder.id, name: folder.name, share: folder.share, isFolder: true });
}
