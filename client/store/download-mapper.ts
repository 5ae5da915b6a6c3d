/** The one row → domain mapper (one format, one codec: CONTRIBUTING.md "Layout rules"). */
import { bitmapFromText, countPieces } from "../pieces/bitmap.js";
import type { OnExisting } from "./download.table.js";
import type { DownloadRow, DownloadStatus } from "./download.table.js";

/** A download job as the SDK shows it. */
export interface Download {
  /** Job id. */
  readonly id: string;
  /** Peer base URL. */
  readonly peerUrl: string;
  /** Transport used for the bytes. */
  readonly transport: string;
  /** Item id on the peer. */
  readonly itemId: string;
  /** Plain file name. */
  readonly fileName: string;
  /** Absolute path of the final file. */
  readonly destination: string;
  /** Absolute path of the part file. */
  readonly partPath: string;
  /** Expected size in bytes, when known. */
  readonly size: number | null;
  /** Expected etag, when known. */
  readonly etag: string | null;
  /** Expected SHA-256 (hex), when the peer knows it. */
  readonly sha256: string | null;
  /** Bytes durably written (fsync'ed) in the part file. */
  readonly committedBytes: number;
  /** Status. */
  readonly status: DownloadStatus;
  /** Attempts so far. */
  readonly attempts: number;
  /** Restarts from 0 (file changed, digest mismatch). */
  readonly restarts: number;
  /** Last error, if any. */
  readonly error: { readonly code: string; readonly message: string } | null;
  /** When the next attempt is due, if waiting. */
  readonly nextAttemptAt: Date | null;
  /** Who holds the lease, if anyone. */
  readonly leaseOwner: string | null;
  /** Creation time. */
  readonly createdAt: Date;
  /** Last update. */
  readonly updatedAt: Date;
  /** Completion time. */
  readonly completedAt: Date | null;
  /** BEP 52 pieces root, once known (docs/pieces.md). */
  readonly piecesRoot: string | null;
  /** Piece length of the verified-pieces count, once a root is known. */
  readonly pieceLength: number | null;
  /** Pieces verified and fsync'ed, and how many the file has; null while on the whole-file path. */
  readonly pieces: { readonly verified: number; readonly count: number } | null;
  /** What the job does when its destination exists (docs/downloads.md "Safe writes"). */
  readonly onExisting: OnExisting;
  /** The folder job this file belongs to (docs/downloads.md "Folder jobs"); null for a single download. */
  readonly folderJobId: string | null;
  /** Fetched in order, the first and last pieces early (`peer get --sequential`). */
  readonly sequential: boolean;
}

const num = (v: number | string): number => Number(v);
const numOrNull = (v: number | string | null): number | null => (v === null ? null : Number(v));
const dateOrNull = (v: number | string | null): Date | null => (v === null ? null : new Date(Number(v)));

/** Verified pieces of a row, when it counts in pieces (a malformed bitmap counts as none verified). */
function piecesOf(row: DownloadRow): { verified: number; count: number } | null {
  const length = numOrNull(row.piece_length ?? null);
  const size = numOrNull(row.expected_size);
  if (length === null || length <= 0 || size === null) return null;
  const count = Math.ceil(size / length);
  if (row.pieces_verified === null || row.pieces_verified === undefined) return { verified: 0, count };
  try {
    return { verified: countPieces(bitmapFromText(row.pieces_verified, count)), count };
  } catch {
    return { verified: 0, count };
  }
}

/** Maps a row (numbers may be strings on PostgreSQL) to a {@link Download}. */
export function toDownload(row: DownloadRow): Download {
  return {
    id: row.id,
    peerUrl: row.peer_url,
    transport: row.transport,
    itemId: row.item_id,
    fileName: row.file_name,
    destination: row.destination,
    partPath: row.part_path,
    size: numOrNull(row.expected_size),
    etag: row.expected_etag,
    sha256: row.expected_sha256,
    committedBytes: num(row.committed_bytes),
    status: row.status,
    attempts: num(row.attempts),
    restarts: num(row.restarts),
    error: row.error_code === null ? null : { code: row.error_code, message: row.error_message ?? "" },
    nextAttemptAt: dateOrNull(row.next_attempt_at),
    leaseOwner: row.lease_owner,
    createdAt: new Date(num(row.created_at)),
    updatedAt: new Date(num(row.updated_at)),
    completedAt: dateOrNull(row.completed_at),
    piecesRoot: row.pieces_root ?? null,
    pieceLength: numOrNull(row.piece_length ?? null),
    pieces: piecesOf(row),
    onExisting: row.on_existing ?? "refuse",
    folderJobId: row.folder_job_id ?? null,
    sequential: Number(row.sequential ?? 0) === 1,
  };
}
