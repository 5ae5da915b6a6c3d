/**
 * What is at a destination, for the never-clobber rule (existing-policy.ts decides): nothing, a
 * link, a non-file, or a regular file whose content is proven the same — same size, and its
 * BEP 52 pieces root (common/pieces/tree-builder.ts) or its SHA-256 computed here equals the
 * peer's — or not. Read through safe-fs.ts (O_NOFOLLOW: a link is never "the same file").
 */
import { createHash } from "node:crypto";
import type { FileHandle } from "node:fs/promises";
import { createTreeBuilder } from "../../common/pieces/tree-builder.js";
import { pieceLengthFor } from "../../common/pieces/tree.js";
import { toHex } from "../../common/pieces/hex.js";
import { sha256 as sha256Fn } from "../pieces/hash-pool.js";
import type { Found } from "./existing-policy.js";
import { openExistingFile, pathKind } from "./safe-fs.js";

/** What the peer says the content is (a root or a digest proves it; neither proves nothing). */
export interface ContentFacts {
  readonly size: number | null;
  /** 64 lower-case hex, or null/"" when unknown. */
  readonly piecesRoot: string | null;
  /** 64 hex, or null/"" when unknown. */
  readonly sha256: string | null;
}

const HEX64 = /^[0-9a-f]{64}$/i;

/**
 * Looks at `destination`. `deep` false (enqueue): a file of the right size that could be proven
 * is "maybe-same", unhashed (the job hashes it when it runs). `deep` true: hashed, "same" or
 * "different". A peer with neither root nor digest cannot prove anything: "different".
 */
export async function inspectDestination(
  destination: string,
  content: ContentFacts,
  deep: boolean,
  signal?: AbortSignal,
): Promise<Found> {
  const { kind, size } = await pathKind(destination);
  if (kind === "none") return "none";
  if (kind === "symlink") return "symlink";
  if (kind !== "file") return "not-a-file";
  // Two empty files are the same content, whatever the peer knows.
  if (content.size === 0 && size === 0) return "same";
  const root = content.piecesRoot !== null && HEX64.test(content.piecesRoot) ? content.piecesRoot.toLowerCase() : null;
  const digest = content.sha256 !== null && HEX64.test(content.sha256) ? content.sha256.toLowerCase() : null;
  if (content.size === null || size !== content.size || (root === null && digest === null)) return "different";
  if (!deep) return "maybe-same";
  const fh = await openExistingFile(destination);
  if (fh === undefined) return "different";
  try {
    const hashed = await hashExisting(fh, size, root !== null, signal);
    return (root !== null ? hashed.root === root : hashed.sha256 === digest) ? "same" : "different";
  } finally {
    await fh.close();
  }
}

/** The pieces root (when `tree`) and the SHA-256 of the first `size` bytes of an open file. */
async function hashExisting(
  fh: FileHandle,
  size: number,
  tree: boolean,
  signal: AbortSignal | undefined,
): Promise<{ root: string | undefined; sha256: string }> {
  const whole = createHash("sha256");
  const builder =
    tree && size > 0 ? createTreeBuilder({ size, pieceLength: pieceLengthFor(size), hash: sha256Fn }) : undefined;
  const buf = Buffer.allocUnsafe(1024 * 1024);
  let pos = 0;
  while (pos < size) {
    signal?.throwIfAborted();
    const { bytesRead } = await fh.read(buf, 0, Math.min(buf.length, size - pos), pos);
    if (bytesRead === 0) break; // shrank meanwhile: the root or digest will not match
    const chunk = buf.subarray(0, bytesRead);
    whole.update(chunk);
    builder?.update(chunk);
    pos += bytesRead;
  }
  let root: string | undefined;
  try {
    root = builder === undefined ? undefined : toHex(builder.finish().root);
  } catch {
    root = undefined; // fewer bytes than announced
  }
  return { root, sha256: whole.digest("hex") };
}
