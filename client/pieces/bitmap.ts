/**
 * The set of verified pieces of a job, as a bitmap (BitTorrent's bitfield order: piece 0
 * is the high bit of byte 0). Stored in the job row as base64 text (docs/pieces.md
 * "Client engine"), so the schema stays text/bigint on SQLite and PostgreSQL. Pure.
 */

/** A bitmap of `count` pieces. */
export interface Bitmap {
  readonly count: number;
  readonly bytes: Uint8Array;
}

/** An empty bitmap of `count` pieces. */
export function emptyBitmap(count: number): Bitmap {
  if (!Number.isSafeInteger(count) || count < 0)
    throw new RangeError(`a bitmap needs a piece count >= 0, got ${count}`);
  return { count, bytes: new Uint8Array(Math.ceil(count / 8)) };
}

/** True when piece `index` is set. */
export function hasPiece(b: Bitmap, index: number): boolean {
  if (!Number.isInteger(index) || index < 0 || index >= b.count) return false;
  return (((b.bytes[index >> 3] as number) >> (7 - (index & 7))) & 1) === 1;
}

/** Sets (or clears) piece `index`; throws when out of range. */
export function setPiece(b: Bitmap, index: number, value = true): void {
  if (!Number.isInteger(index) || index < 0 || index >= b.count) {
    throw new RangeError(`piece ${index} is out of range: the bitmap has ${b.count} pieces`);
  }
  const mask = 1 << (7 - (index & 7));
  const i = index >> 3;
  b.bytes[i] = value ? (b.bytes[i] as number) | mask : (b.bytes[i] as number) & ~mask;
}

/** Number of pieces set. */
export function countPieces(b: Bitmap): number {
  let n = 0;
  for (const byte of b.bytes) {
    let v = byte;
    while (v !== 0) {
      v &= v - 1;
      n++;
    }
  }
  return n;
}

/**
 * True when every piece is set (an empty file's bitmap is full). It stops at the first byte with a
 * piece missing: the engine asks after every piece (2,048 times per GiB), and counting every bit each
 * time cost 22 ms of a 1 GiB `peer get` with TurboFan off (docs/performance.md).
 */
export function isFull(b: Bitmap): boolean {
  const whole = b.count >> 3;
  for (let i = 0; i < whole; i++) if (b.bytes[i] !== 0xff) return false;
  const rest = b.count & 7;
  if (rest === 0) return true;
  const mask = (0xff << (8 - rest)) & 0xff; // the high `rest` bits: pieces whole*8 … count-1
  return ((b.bytes[whole] as number) & mask) === mask;
}

/** A copy. */
export function copyBitmap(b: Bitmap): Bitmap {
  return { count: b.count, bytes: b.bytes.slice() };
}

/** The stored form: base64 of the bytes. */
export function bitmapToText(b: Bitmap): string {
  return Buffer.from(b.bytes.buffer, b.bytes.byteOffset, b.bytes.byteLength).toString("base64");
}

/**
 * Reads a stored bitmap of `count` pieces. Anything that is not exactly that (wrong
 * length, bits set past the last piece, not base64) is refused with an error saying so:
 * a bitmap that claims pieces it cannot have must never be trusted.
 */
export function bitmapFromText(text: string, count: number): Bitmap {
  const b = emptyBitmap(count);
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(text) || text.length % 4 !== 0) {
    throw new TypeError(
      "the stored bitmap of verified pieces is not base64; reset the job with `peer downloads retry`",
    );
  }
  const bytes = Buffer.from(text, "base64");
  if (bytes.length !== b.bytes.length) {
    throw new TypeError(
      `the stored bitmap has ${bytes.length} bytes, ${b.bytes.length} were expected for ${count} pieces`,
    );
  }
  b.bytes.set(bytes);
  const spare = b.bytes.length * 8 - count;
  if (spare > 0 && ((b.bytes[b.bytes.length - 1] as number) & ((1 << spare) - 1)) !== 0) {
    throw new TypeError("the stored bitmap marks pieces past the end of the file");
  }
  return b;
}

/** Bytes of the run of pieces set from piece 0 (the committed offset of a piece bitmap). */
export function prefixBytes(b: Bitmap, size: number, pieceLength: number): number {
  let n = 0;
  while (n < b.count && hasPiece(b, n)) n++;
  return Math.min(size, n * pieceLength);
}

/** Bytes of the pieces set (the last piece may be short). O(pieces / 8). */
export function bitmapBytes(b: Bitmap, size: number, pieceLength: number): number {
  const n = countPieces(b);
  if (n === 0) return 0;
  const last = b.count - 1;
  return hasPiece(b, last) ? (n - 1) * pieceLength + (size - last * pieceLength) : n * pieceLength;
}
