/**
 * Pure validators derived from a file's stat: the strong ETag, and the media
 * type (common/http/content-type.ts). No I/O here, so both are table-tested.
 */
export { contentTypeFor, DEFAULT_CONTENT_TYPE } from "../../common/http/content-type.js";

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
