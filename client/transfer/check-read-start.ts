/**
 * Decides, before a byte is written, whether an opened read fits the job
 * (docs/downloads.md step 3): the offset asked, and the size and etag the part's
 * bytes came from. Pure.
 */
import type { ReadMeta } from "./read-source.js";

/** What the job expects. */
export interface Expected {
  readonly size: number | null;
  readonly etag: string | null;
  readonly sha256: string | null;
}

/** The decision. */
export type ReadStartDecision =
  | { readonly kind: "ok" }
  /** The peer sent the whole file from byte 0 (HTTP 200 to a ranged request): discard the part, write this body. */
  | { readonly kind: "restart-with-body"; readonly reason: string }
  /** The file changed: discard the part, restart from 0 with a new read. */
  | { readonly kind: "changed"; readonly reason: string }
  /** The peer broke the protocol: retry. */
  | { readonly kind: "protocol"; readonly reason: string }
  | { readonly kind: "too-large"; readonly reason: string };

/** Checks an opened read. */
export function checkReadStart(
  askedOffset: number,
  start: number,
  meta: ReadMeta,
  expected: Expected,
  maxFileSize: number,
): ReadStartDecision {
  if (!Number.isSafeInteger(meta.size) || meta.size < 0)
    return { kind: "protocol", reason: `the peer reported an invalid size ${meta.size}` };
  if (meta.size > maxFileSize)
    return { kind: "too-large", reason: `the file is ${meta.size} bytes, over the limit of ${maxFileSize}` };
  if (meta.etag === "") return { kind: "protocol", reason: "the peer sent no etag" };
  if (start !== askedOffset) {
    if (start === 0)
      return { kind: "restart-with-body", reason: "the peer sent the whole file instead of the range asked" };
    return { kind: "protocol", reason: `the peer answered from offset ${start}, ${askedOffset} was asked` };
  }
  if (expected.etag !== null && meta.etag !== expected.etag)
    return { kind: "changed", reason: "the file's etag changed" };
  if (expected.size !== null && meta.size !== expected.size)
    return { kind: "changed", reason: "the file's size changed" };
  if (expected.sha256 !== null && meta.sha256 !== undefined && meta.sha256 !== expected.sha256) {
    return { kind: "changed", reason: "the file's digest changed" };
  }
  if (askedOffset > meta.size) return { kind: "changed", reason: "the part file is longer than the file" };
  return { kind: "ok" };
}
