/**
 * The byte layout of a stored (uncompressed) ZIP of a folder (pure): where every
 * local header, file body, data descriptor and central directory record lies,
 * and the bytes of each — so that any byte range can be produced without
 * writing the ones before it (Range, If-Range, `curl -C -`). APPNOTE 6.3.10:
 * method 0, flag bit 3 (CRC-32 in a data descriptor after the body, so a body
 * streams before its CRC is known) and bit 11 (UTF-8 names); ZIP64 extra
 * fields only for entries that need them, ZIP64 end records only when the
 * archive needs them. Nothing depends on the clock: the same entries give the
 * same bytes. See docs/web.md ("Folders as .zip").
 */

/** One entry: a file (its bytes come from disk) or an empty folder. */
export interface ZipEntryInput {
  /** `/`-separated path inside the archive; folders end with `/`. */
  readonly path: string;
  readonly kind: "file" | "folder";
  /** Bytes (0 for a folder). */
  readonly size: number;
  /** Modification time, ms since the epoch (stored as a DOS date, UTC). */
  readonly modified: number;
}

/** One piece of the archive; `index` is the entry's (-1 for the end records). */
export interface ZipSegment {
  readonly kind: "local" | "data" | "descriptor" | "central" | "end";
  readonly offset: number;
  readonly length: number;
  readonly index: number;
}

/** The whole archive. */
export interface ZipLayout {
  readonly entries: readonly ZipEntryInput[];
  /** Offset of each entry's local header. */
  readonly localOffsets: readonly number[];
  /** In archive order, contiguous, covering [0, size). */
  readonly segments: readonly ZipSegment[];
  readonly size: number;
  readonly centralOffset: number;
  readonly centralSize: number;
}

const MAX32 = 0xffffffff;
const MAX16 = 0xffff;

/** True when an entry's sizes do not fit 32 bits (then it gets ZIP64 extra fields and an 8-byte-size descriptor). */
function bigEntry(e: ZipEntryInput): boolean {
  return e.size >= MAX32;
}

function nameBytes(e: ZipEntryInput): Buffer {
  return Buffer.from(e.path, "utf8");
}

function localLength(e: ZipEntryInput): number {
  return 30 + nameBytes(e).length + (bigEntry(e) ? 20 : 0);
}

function descriptorLength(e: ZipEntryInput): number {
  if (e.kind === "folder") return 0;
  return bigEntry(e) ? 24 : 16;
}

function centralLength(e: ZipEntryInput, offset: number): number {
  const extra = (bigEntry(e) ? 16 : 0) + (offset >= MAX32 ? 8 : 0);
  return 46 + nameBytes(e).length + (extra > 0 ? 4 + extra : 0);
}

/** Lays out the archive; throws a RangeError on a bad entry. */
export function zipLayout(entries: readonly ZipEntryInput[]): ZipLayout {
  const segments: ZipSegment[] = [];
  const localOffsets: number[] = [];
  let at = 0;
  const push = (kind: ZipSegment["kind"], length: number, index: number): void => {
    if (length > 0) segments.push({ kind, offset: at, length, index });
    at += length;
  };
  entries.forEach((e, i) => {
    if (e.path === "" || e.path.startsWith("/") || nameBytes(e).length > MAX16)
      throw new RangeError(`bad ZIP entry name ${JSON.stringify(e.path.slice(0, 100))}`);
    if ((e.kind === "folder") !== e.path.endsWith("/") || (e.kind === "folder" && e.size !== 0))
      throw new RangeError(`a folder entry ends with / and has no bytes: ${JSON.stringify(e.path.slice(0, 100))}`);
    if (!Number.isSafeInteger(e.size) || e.size < 0) throw new RangeError(`bad size ${e.size}`);
    localOffsets.push(at);
    push("local", localLength(e), i);
    push("data", e.size, i);
    push("descriptor", descriptorLength(e), i);
  });
  const centralOffset = at;
  entries.forEach((e, i) => {
    push("central", centralLength(e, localOffsets[i] as number), i);
  });
  const centralSize = at - centralOffset;
  const zip64 = entries.length >= MAX16 || centralOffset >= MAX32 || centralSize >= MAX32;
  push("end", (zip64 ? 56 + 20 : 0) + 22, -1);
  return { entries, localOffsets, segments, size: at, centralOffset, centralSize };
}

/** DOS time and date (UTC; 1980-01-01 for anything earlier). */
export function dosDateTime(ms: number): { time: number; date: number } {
  const d = new Date(Math.max(ms, Date.UTC(1980, 0, 1)));
  const year = Math.min(d.getUTCFullYear(), 2107);
  return {
    time: (d.getUTCHours() << 11) | (d.getUTCMinutes() << 5) | Math.floor(d.getUTCSeconds() / 2),
    date: ((year - 1980) << 9) | ((d.getUTCMonth() + 1) << 5) | d.getUTCDate(),
  };
}

const UTF8_FLAG = 0x0800;
const DESCRIPTOR_FLAG = 0x0008;

function flagsOf(e: ZipEntryInput): number {
  return e.kind === "file" ? UTF8_FLAG | DESCRIPTOR_FLAG : UTF8_FLAG;
}

/**
 * The bytes of a segment other than `data`. `crc` is the entry's CRC-32, needed
 * only by `descriptor` and `central` segments of files (folders have 0).
 */
export function segmentBytes(layout: ZipLayout, segment: ZipSegment, crc = 0): Buffer {
  if (segment.kind === "end") return endRecords(layout);
  const e = layout.entries[segment.index] as ZipEntryInput;
  const name = nameBytes(e);
  const { time, date } = dosDateTime(e.modified);
  const big = bigEntry(e);
  if (segment.kind === "local") {
    const b = Buffer.alloc(segment.length);
    b.writeUInt32LE(0x04034b50, 0);
    b.writeUInt16LE(big ? 45 : 20, 4);
    b.writeUInt16LE(flagsOf(e), 6);
    b.writeUInt16LE(0, 8); // stored
    b.writeUInt16LE(time, 10);
    b.writeUInt16LE(date, 12);
    // CRC and sizes: 0 with bit 3 (they follow in the descriptor); 0xFFFFFFFF + ZIP64 extra for big entries.
    b.writeUInt32LE(big ? MAX32 : 0, 18);
    b.writeUInt32LE(big ? MAX32 : 0, 22);
    b.writeUInt16LE(name.length, 26);
    b.writeUInt16LE(big ? 20 : 0, 28);
    name.copy(b, 30);
    if (big) {
      b.writeUInt16LE(0x0001, 30 + name.length);
      b.writeUInt16LE(16, 32 + name.length); // sizes 0 here: the descriptor has them
    }
    return b;
  }
  if (segment.kind === "descriptor") {
    const b = Buffer.alloc(segment.length);
    b.writeUInt32LE(0x08074b50, 0);
    b.writeUInt32LE(crc, 4);
    if (big) {
      b.writeBigUInt64LE(BigInt(e.size), 8);
      b.writeBigUInt64LE(BigInt(e.size), 16);
    } else {
      b.writeUInt32LE(e.size, 8);
      b.writeUInt32LE(e.size, 12);
    }
    return b;
  }
  if (segment.kind === "central") {
    const offset = layout.localOffsets[segment.index] as number;
    const farOffset = offset >= MAX32;
    const extra = (big ? 16 : 0) + (farOffset ? 8 : 0);
    const b = Buffer.alloc(segment.length);
    b.writeUInt32LE(0x02014b50, 0);
    b.writeUInt16LE((3 << 8) | (big || farOffset ? 45 : 20), 4); // made by Unix
    b.writeUInt16LE(big || farOffset ? 45 : 20, 6);
    b.writeUInt16LE(flagsOf(e), 8);
    b.writeUInt16LE(0, 10);
    b.writeUInt16LE(time, 12);
    b.writeUInt16LE(date, 14);
    b.writeUInt32LE(e.kind === "file" ? crc : 0, 16);
    b.writeUInt32LE(big ? MAX32 : e.size, 20);
    b.writeUInt32LE(big ? MAX32 : e.size, 24);
    b.writeUInt16LE(name.length, 28);
    b.writeUInt16LE(extra > 0 ? 4 + extra : 0, 30);
    // comment length, disk, internal attributes: 0; external: Unix mode (0644 file, 0755 folder) + MS-DOS dir bit
    const mode = e.kind === "folder" ? 0o040755 : 0o100644;
    b.writeUInt32LE(((mode << 16) >>> 0) + (e.kind === "folder" ? 0x10 : 0), 38);
    b.writeUInt32LE(farOffset ? MAX32 : offset, 42);
    name.copy(b, 46);
    let x = 46 + name.length;
    if (extra > 0) {
      b.writeUInt16LE(0x0001, x);
      b.writeUInt16LE(extra, x + 2);
      x += 4;
      if (big) {
        b.writeBigUInt64LE(BigInt(e.size), x);
        b.writeBigUInt64LE(BigInt(e.size), x + 8);
        x += 16;
      }
      if (farOffset) b.writeBigUInt64LE(BigInt(offset), x);
    }
    return b;
  }
  throw new RangeError("data segments come from the file");
}

/** ZIP64 end record and locator (when needed), then the end of central directory record. */
function endRecords(layout: ZipLayout): Buffer {
  const count = layout.entries.length;
  const zip64 = count >= MAX16 || layout.centralOffset >= MAX32 || layout.centralSize >= MAX32;
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(zip64 ? MAX16 : count, 8);
  end.writeUInt16LE(zip64 ? MAX16 : count, 10);
  end.writeUInt32LE(zip64 ? MAX32 : layout.centralSize, 12);
  end.writeUInt32LE(zip64 ? MAX32 : layout.centralOffset, 16);
  if (!zip64) return end;
  const record = Buffer.alloc(56);
  record.writeUInt32LE(0x06064b50, 0);
  record.writeBigUInt64LE(44n, 4);
  record.writeUInt16LE((3 << 8) | 45, 12);
  record.writeUInt16LE(45, 14);
  record.writeBigUInt64LE(BigInt(count), 24);
  record.writeBigUInt64LE(BigInt(count), 32);
  record.writeBigUInt64LE(BigInt(layout.centralSize), 40);
  record.writeBigUInt64LE(BigInt(layout.centralOffset), 48);
  const locator = Buffer.alloc(20);
  locator.writeUInt32LE(0x07064b50, 0);
  locator.writeBigUInt64LE(BigInt(layout.centralOffset + layout.centralSize), 8);
  locator.writeUInt32LE(1, 16);
  return Buffer.concat([record, locator, end]);
}
