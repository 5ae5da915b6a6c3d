/**
 * Piece buffers used again instead of allocated per piece (docs/performance.md "Client
 * CPU"): a fresh 128 KiB–16 MiB ArrayBuffer per piece made V8 run a full GC every few
 * MiB (external memory pressure) and the allocator map and unmap pages for each.
 *
 * A buffer is lent by {@link acquirePieceBuffer} (the piece assembler), follows the piece
 * through the hashing worker ({@link handOverPieceBuffer}: a transferred ArrayBuffer comes
 * back as a new object) and is given back by {@link releasePieceBuffer} once the part file
 * holds its bytes (the write-behind, after the write that contained it). Only a buffer that
 * is lent right now is taken back, once: a socket view or a buffer released twice is left
 * to the garbage collector, so no two pieces can ever share memory. A piece that is never
 * released (a bad piece, an aborted attempt) is simply collected.
 */

/**
 * Free bytes kept per piece length (at least two buffers); more is left to the garbage
 * collector. A piece is released just before the next ones are taken, so a few suffice,
 * and every free buffer is resident memory on top of the pieces in flight.
 */
export const FREE_BYTES_PER_LENGTH = 8 * 1024 * 1024;

/**
 * Free bytes kept over all lengths: past it, the lengths released longest ago give theirs up
 * (the length just released keeps its own rule above). A folder's one-piece files each have a
 * length of their own, so without it every file size held two buffers until the folder ended.
 */
export const FREE_BYTES_TOTAL = 16 * 1024 * 1024;

/** Free buffers are dropped after this long without a release (an idle process keeps none). */
export const FREE_IDLE_MS = 2000;

const lent = new WeakSet<ArrayBuffer>();
/** Free buffers by length, the length released longest ago first. */
const free = new Map<number, ArrayBuffer[]>();
let freeBytes = 0;
let dropTimer: NodeJS.Timeout | undefined;

/** A buffer of exactly `length` bytes for a piece; its contents are undefined (the assembler fills all of it). */
export function acquirePieceBuffer(length: number): Uint8Array {
  const list = free.get(length);
  let buffer = list?.pop();
  if (buffer !== undefined) freeBytes -= length;
  else buffer = new ArrayBuffer(length);
  if (list !== undefined && list.length === 0) free.delete(length);
  lent.add(buffer);
  return new Uint8Array(buffer);
}

/** Records that the lent buffer `from` came back from a worker as `to` (same bytes, new object). */
export function handOverPieceBuffer(from: ArrayBuffer, to: ArrayBuffer): void {
  if (!lent.delete(from)) return;
  lent.add(to);
}

/**
 * Gives back `bytes` if it is a whole lent piece buffer; anything else is ignored. The caller
 * must hold no other reference to it: its next owner overwrites it.
 */
export function releasePieceBuffer(bytes: Uint8Array): void {
  const buffer = bytes.buffer as ArrayBuffer;
  if (buffer.byteLength === 0 || bytes.byteOffset !== 0 || bytes.byteLength !== buffer.byteLength) return;
  if (!lent.delete(buffer)) return;
  const length = buffer.byteLength;
  const list = free.get(length) ?? [];
  free.delete(length); // re-inserted last: the length released most recently
  free.set(length, list);
  if (list.length < 2 || (list.length + 1) * length <= FREE_BYTES_PER_LENGTH) {
    list.push(buffer);
    freeBytes += length;
  }
  trimOtherLengths(length);
  if (dropTimer === undefined) {
    dropTimer = setTimeout(dropFree, FREE_IDLE_MS);
    dropTimer.unref();
  } else dropTimer.refresh();
}

/** Past {@link FREE_BYTES_TOTAL}, drops the free buffers of other lengths, the one released longest ago first. */
function trimOtherLengths(keep: number): void {
  if (freeBytes <= FREE_BYTES_TOTAL) return; // the common case: no iterator per released piece
  for (const [length, list] of free) {
    if (freeBytes <= FREE_BYTES_TOTAL) return;
    if (length === keep) continue;
    while (list.length > 0 && freeBytes > FREE_BYTES_TOTAL) {
      list.pop();
      freeBytes -= length;
    }
    if (list.length === 0) free.delete(length);
  }
}

/** Free buffers held now, in bytes (for tests); of one length only when `length` is given. */
export function freePieceBytes(length?: number): number {
  if (length === undefined) return freeBytes;
  return length * (free.get(length)?.length ?? 0);
}

function dropFree(): void {
  dropTimer = undefined;
  free.clear();
  freeBytes = 0;
}
