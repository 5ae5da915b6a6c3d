/**
 * Pure validators derived from a file's stat: the strong ETag and the media
 * type. No I/O here, so both are table-tested.
 */

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

/** Lower-case extension (without the dot) → media type. Text types carry a charset. */
const CONTENT_TYPES: Readonly<Record<string, string>> = Object.freeze({
  txt: "text/plain; charset=utf-8",
  md: "text/markdown; charset=utf-8",
  csv: "text/csv; charset=utf-8",
  html: "text/html; charset=utf-8",
  htm: "text/html; charset=utf-8",
  css: "text/css; charset=utf-8",
  js: "text/javascript; charset=utf-8",
  mjs: "text/javascript; charset=utf-8",
  json: "application/json",
  xml: "application/xml",
  pdf: "application/pdf",
  zip: "application/zip",
  gz: "application/gzip",
  tgz: "application/gzip",
  tar: "application/x-tar",
  bz2: "application/x-bzip2",
  xz: "application/x-xz",
  zst: "application/zstd",
  "7z": "application/x-7z-compressed",
  iso: "application/x-iso9660-image",
  wasm: "application/wasm",
  png: "image/png",
  jpg: "image/jpeg",
  jpeg: "image/jpeg",
  gif: "image/gif",
  webp: "image/webp",
  avif: "image/avif",
  svg: "image/svg+xml",
  ico: "image/vnd.microsoft.icon",
  bmp: "image/bmp",
  tif: "image/tiff",
  tiff: "image/tiff",
  mp3: "audio/mpeg",
  ogg: "audio/ogg",
  oga: "audio/ogg",
  opus: "audio/opus",
  flac: "audio/flac",
  wav: "audio/wav",
  m4a: "audio/mp4",
  aac: "audio/aac",
  mp4: "video/mp4",
  m4v: "video/mp4",
  mkv: "video/x-matroska",
  webm: "video/webm",
  mov: "video/quicktime",
  avi: "video/x-msvideo",
  ogv: "video/ogg",
  epub: "application/epub+zip",
});

/**
 * Media type guessed from the last extension of `name` (case-insensitive);
 * {@link DEFAULT_CONTENT_TYPE} when there is none or it is unknown. A leading
 * dot alone (".bashrc") is not an extension.
 */
export function contentTypeFor(name: string): string {
  const dot = name.lastIndexOf(".");
  if (dot <= 0 || dot === name.length - 1) return DEFAULT_CONTENT_TYPE;
  const ext = name.slice(dot + 1).toLowerCase();
  return Object.hasOwn(CONTENT_TYPES, ext) ? (CONTENT_TYPES[ext] ?? DEFAULT_CONTENT_TYPE) : DEFAULT_CONTENT_TYPE;
}
