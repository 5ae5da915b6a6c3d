/**
 * Recognises a download that finished but whose `completed` commit was lost
 * (a power loss after the rename, or a crash between the rename and the
 * commit): its part file is gone and its destination holds the expected file.
 */
import { createHash } from "node:crypto";
import { lstat, open } from "node:fs/promises";
import type { DownloadRow } from "../store/download.table.js";

/** What was found in place. */
export interface FinishedDownload {
  readonly size: number;
  /** The destination's SHA-256 when it was computed (the row knew the digest). */
  readonly sha256: string | undefined;
}

/**
 * The destination of an interrupted job (`downloading` or `verifying`) when it is certainly
 * the finished download: no part file, a regular file of exactly the expected size, and
 * either the expected SHA-256 (hashed here) or, when no digest is known, a committed offset
 * equal to the size (every byte had been fsync'ed in the part, which only our rename removes).
 * Undefined otherwise: the job then downloads as usual.
 */
export async function findFinishedDownload(
  row: Pick<
    DownloadRow,
    "status" | "part_path" | "destination" | "expected_size" | "expected_sha256" | "committed_bytes"
  >,
): Promise<FinishedDownload | undefined> {
  if (row.status !== "downloading" && row.status !== "verifying") return undefined;
  if (row.expected_size === null) return undefined;
  const size = Number(row.expected_size);
  if ((await statOrUndefined(row.part_path)) !== undefined) return undefined;
  const dest = await statOrUndefined(row.destination);
  if (dest === undefined || !dest.isFile() || dest.size !== size) return undefined;
  if (row.expected_sha256 === null) {
    return Number(row.committed_bytes) === size ? { size, sha256: undefined } : undefined;
  }
  const digest = await hashFile(row.destination);
  return digest === row.expected_sha256.toLowerCase() ? { size, sha256: digest } : undefined;
}

async function statOrUndefined(p: string) {
  try {
    return await lstat(p);
  } catch (err) {
    if ((err as { code?: unknown }).code === "ENOENT") return undefined;
    throw err;
  }
}

async function hashFile(p: string): Promise<string> {
  const hash = createHash("sha256");
  const fh = await open(p, "r");
  try {
    const buf = Buffer.allocUnsafe(1024 * 1024);
    for (;;) {
      const { bytesRead } = await fh.read(buf, 0, buf.length, null);
      if (bytesRead === 0) break;
      hash.update(buf.subarray(0, bytesRead));
    }
  } finally {
    await fh.close();
  }
  return hash.digest("hex");
}
