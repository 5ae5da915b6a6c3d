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

/** Free buffers are dropped after this long without a release (an idle process keeps none). */
export const FREE_IDLE_MS = 2000;

const lent = new WeakSet<ArrayBuffer>();
const free = new Map<number, ArrayBuffer[]>();
let dropTimer: NodeJS.Timeout | undefined;

/** A buffer of exactly `length` bytes for a piece; its contents are undefined (the assembler fills all of it). */
export function acquirePieceBuffer(length: number): Uint8Array {
  const buffer = free.get(length)?.pop() ?? new ArrayBuffer(length);
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
  let list = free.get(buffer.byteLength);
  if (list === undefined) {
    list = [];
    free.set(buffer.byteLength, list);
  }
  if (list.length < 2 || (list.length + 1) * buffer.byteLength <= FREE_BYTES_PER_LENGTH) list.push(buffer);
  if (dropTimer === undefined) {
    dropTimer = setTimeout(dropFree, FREE_IDLE_MS);
    dropTimer.unref();
  } else dropTimer.refresh();
}

/** Free buffers held now, in bytes (for tests). */
export function freePieceBytes(): number {
  let n = 0;
  for (const [length, list] of free) n += length * list.length;
  return n;
}

function dropFree(): void {
  dropTimer = undefined;
  free.clear();
}
