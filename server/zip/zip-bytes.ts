/**
 * Produces the bytes [first, last] of a folder's ZIP (zip-layout.ts): headers
 * from the layout, bodies read from disk (each read proved to be the listed
 * version, file-reader.ts), CRC-32s from a cache filled whenever a whole body
 * streams, else computed by reading that file (a resumed download whose
 * earlier part another process served).
 */
import { crc32 } from "node:zlib";
import type { FileEntry } from "../catalog/catalog.js";
import { openEntry, readChunks } from "../../common/files/file-reader.js";
import { segmentBytes, type ZipLayout } from "./zip-layout.js";

/** CRC-32 of file versions, by `id etag`. */
export interface CrcCache {
  get(entry: FileEntry): number | undefined;
  set(entry: FileEntry, crc: number): void;
}

/** An in-memory {@link CrcCache} of at most `max` versions (least recently set go first). @default 100000 */
export function createCrcCache(max = 100_000): CrcCache {
  const map = new Map<string, number>();
  const key = (e: FileEntry) => `${e.id}\u0000${e.etag}`;
  return {
    get: (e) => map.get(key(e)),
    set(e, crc) {
      map.delete(key(e));
      map.set(key(e), crc);
      for (const oldest of map.keys()) {
        if (map.size <= max) break;
        map.delete(oldest);
      }
    },
  };
}

/** What {@link zipBytes} reads from. */
export interface ZipBytesSource {
  readonly layout: ZipLayout;
  /** The file of each entry index; undefined for folders. */
  readonly files: readonly (FileEntry | undefined)[];
  readonly crcs: CrcCache;
  /** Bytes per read. */
  readonly chunkSize: number;
  readonly signal?: AbortSignal | undefined;
}

async function crcOf(source: ZipBytesSource, entry: FileEntry): Promise<number> {
  const known = source.crcs.get(entry);
  if (known !== undefined) return known;
  let crc = 0;
  const file = await openEntry(entry);
  try {
    for await (const chunk of readChunks(file, {
      start: 0,
      end: entry.size,
      chunkSize: source.chunkSize,
      signal: source.signal,
    }))
      crc = crc32(chunk, crc);
  } finally {
    await file.close();
  }
  source.crcs.set(entry, crc);
  return crc;
}

/** Yields the archive's bytes from `first` to `last` (inclusive), in order. */
export async function* zipBytes(source: ZipBytesSource, first: number, last: number): AsyncGenerator<Buffer> {
  const { layout } = source;
  for (const seg of layout.segments) {
    const end = seg.offset + seg.length; // exclusive
    if (end <= first || seg.offset > last) continue;
    const from = Math.max(first, seg.offset) - seg.offset;
    const to = Math.min(last + 1, end) - seg.offset;
    if (seg.kind !== "data") {
      const entry = seg.index >= 0 ? source.files[seg.index] : undefined;
      const crc = entry !== undefined && seg.kind !== "local" ? await crcOf(source, entry) : 0;
      yield segmentBytes(layout, seg, crc).subarray(from, to);
      continue;
    }
    const entry = source.files[seg.index] as FileEntry;
    const whole = from === 0 && to === seg.length && source.crcs.get(entry) === undefined;
    let crc = 0;
    const file = await openEntry(entry);
    try {
      for await (const chunk of readChunks(file, {
        start: from,
        end: to,
        chunkSize: source.chunkSize,
        signal: source.signal,
      })) {
        if (whole) crc = crc32(chunk, crc);
        yield chunk;
      }
    } finally {
      await file.close();
    }
    if (whole) source.crcs.set(entry, crc);
  }
}
