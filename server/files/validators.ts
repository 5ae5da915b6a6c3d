/**
 * Pure validators derived from a file's stat: the strong ETag and the media
 * type. No I/O here, so both are table-tested.
 */
import { createRequire } from "node:module";
import type * as MimeTypes from "mime-types";

// mime-types builds its maps over all of mime-db when loaded (≈ 35 ms of a `peer serve` start,
// docs/performance.md): loaded on the first media type asked for, not at start-up.
let mimeTypes: typeof MimeTypes | undefined;
function mime(): typeof MimeTypes {
  mimeTypes ??= createRequire(import.meta.url)("mime-types") as typeof MimeTypes;
  return mimeTypes;
}

/**
 * Strong entity tag (RFC 9110 §8.8.3), quoted, built from size, mtime in ns and
 * inode: any write changes mtime (or size), any replacement changes the inode,
 * so the tag changes whenever the bytes may have changed.
 */
export function strongEtag(size: number | bigint, mtimeNs: bigint, ino: bigint): string {
  if (typeof size === "number" && (!Number.isSafeInteger(size) || size < 0)) {
    throw new RangeError(`size must be a non-negative safe integer, got ${size}`);
  }
  return `"${BigInt(size).toString(16)}-${mtimeNs.toString(16)}-${ino.toString(16)}"`;
}

/** The media type used when the extension is unknown. */
export const DEFAULT_CONTENT_TYPE = "application/octet-stream";

/**
 * Media type guessed from the last extension of `name` (case-insensitive) by mime-db;
 * {@link DEFAULT_CONTENT_TYPE} when there is none or it is unknown. A leading
 * dot alone (".bashrc") is not an extension.
 */
export function contentTypeFor(name: string): string {
  const dot = name.lastIndexOf(".");
  if (dot <= 0 || dot === name.length - 1) return DEFAULT_CONTENT_TYPE;
  // mime-db (through mime-types) knows the media library's extensions too (.srt, .vtt, .nfo, .m2ts, .mka…);
  // contentType() adds `charset=utf-8` to text types.
  const type = mime().lookup(name.slice(dot + 1).toLowerCase());
  return type === false ? DEFAULT_CONTENT_TYPE : mime().contentType(type) || DEFAULT_CONTENT_TYPE;
}
