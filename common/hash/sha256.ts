/**
 * SHA-256 of one small input, for the BEP 52 tree (docs/pieces.md): 65,536 leaves per GiB of
 * 16 KiB, and the 64-byte nodes above them. The one-shot `crypto.hash` of Node >= 20.12 skips a
 * Hash object per call, which costs about half as much CPU for such inputs; older Node 20 uses
 * `createHash`.
 */
import * as crypto from "node:crypto";
import type { HashFn } from "../pieces/tree.js";

/** SHA-256 of `data` (a Buffer, which is a Uint8Array). */
export const sha256: HashFn =
  typeof crypto.hash === "function"
    ? (data) => crypto.hash("sha256", data, "buffer")
    : (data) => crypto.createHash("sha256").update(data).digest();

/** Bytes of one BEP 52 leaf. */
export const LEAF_BYTES = 16384;

/** The concatenated 32-byte SHA-256 leaves of `bytes` (one per 16 KiB block, the last one shorter). */
export function leavesOf(bytes: Uint8Array): Uint8Array {
  const count = Math.ceil(bytes.length / LEAF_BYTES);
  const out = new Uint8Array(count * 32);
  for (let i = 0; i < count; i++) {
    out.set(sha256(bytes.subarray(i * LEAF_BYTES, Math.min((i + 1) * LEAF_BYTES, bytes.length))), i * 32);
  }
  return out;
}
