/**
 * Pieces checked from the part file (docs/pieces.md "Client engine"): pieces on disk but
 * not recorded (written after the last checkpoint, or a prefix from before the root was
 * known) are checked before they are read again; recorded pieces from an earlier process
 * are re-checked in the background, so a damaged part is caught before the rename
 * without delaying the first new byte.
 */
import { hasPiece, setPiece, type Bitmap } from "../pieces/bitmap.js";
import { nodeMatches } from "../pieces/piece-node.js";
import { candidatesOnDisk } from "../pieces/piece-planner.js";
import type { PieceCheck, TransferHooks } from "./transfer-options.js";

/** The engine's piece state the checks read and change. */
export interface DiskCheckState {
  readonly c: PieceCheck;
  readonly partPath: string;
  readonly hooks: TransferHooks;
  readonly signal: AbortSignal;
  /** Verified pieces in hand. */
  readonly inHand: Bitmap;
  /** Pieces found good on disk or written by this attempt. */
  readonly confirmed: Bitmap;
  /** Pieces being checked now. */
  readonly checking: Set<number>;
  /** Pieces read from disk and checked in this attempt. */
  checkedOnDisk: number;
  /** A piece was found good (and was not recorded): `length` bytes in hand, not fsync'ed by us. */
  found(length: number): void;
  /** A check ended (the readers may take the piece). */
  checked(): void;
}

/** Checks run at once: each holds one piece in a worker. */
const DISK_CHECKS = 4;

/** Starts the checks of the part's `partSize` bytes; returns the running workers (they never reject). */
export function startDiskChecks(s: DiskCheckState, partSize: number): Promise<void>[] {
  const { c } = s;
  const unrecorded = candidatesOnDisk(c.verified, c.pieceLength, c.size, partSize);
  const recorded: number[] = [];
  for (let i = 0; i < c.verified.count; i++) if (hasPiece(c.verified, i) && c.recheck(i)) recorded.push(i);
  const queue = [...unrecorded, ...recorded];
  for (const i of queue) s.checking.add(i);
  const worker = async () => {
    for (let i = queue.shift(); i !== undefined; i = queue.shift()) await checkOnDisk(s, i, hasPiece(c.verified, i));
  };
  const workers: Promise<void>[] = [];
  for (let k = 0; k < Math.min(DISK_CHECKS, queue.length); k++) {
    const w = worker();
    w.catch(() => undefined); // awaited before the final step; never an unhandled rejection meanwhile
    workers.push(w);
  }
  return workers;
}

/** Checks one piece from disk: a good unrecorded piece joins those in hand; a bad recorded one leaves. */
async function checkOnDisk(s: DiskCheckState, index: number, recorded: boolean): Promise<void> {
  const { c } = s;
  try {
    const offset = index * c.pieceLength;
    const length = Math.min(c.pieceLength, c.size - offset);
    const node = await c.pool.filePieceNode(s.partPath, offset, length, c.pieceLength, c.size <= c.pieceLength);
    if (s.signal.aborted) return;
    s.checkedOnDisk++;
    const good = nodeMatches(node, index, c.size, c.pieceLength, c.root, c.layer);
    if (good) {
      setPiece(s.confirmed, index);
      c.steer?.pieceReadable(index); // its bytes are on disk and match
      if (!recorded) {
        setPiece(s.inHand, index);
        s.found(length);
      }
    } else if (recorded) {
      setPiece(s.inHand, index, false);
      s.hooks.onPieceFailed?.(index, "disk");
    }
  } finally {
    s.checking.delete(index);
    s.checked();
  }
}
