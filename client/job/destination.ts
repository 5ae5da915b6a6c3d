/**
 * The never-clobber check when a job runs, before any byte is fetched (docs/downloads.md "Safe
 * writes"): the destination directory must still be its real path, and an existing destination
 * is decided by transfer/existing-policy.ts — the same content completes the job at once as
 * "already there", other content fails it ("destination-exists") unless `--overwrite` or
 * `--rename` (whose final step then picks a free name).
 */
import path from "node:path";
import { DownloadError } from "../errors.js";
import { eventBase, type JobClaim } from "./claim.js";
import type { DownloadRow } from "../store/download.table.js";
import { inspectDestination } from "../transfer/existing-destination.js";
import { decideExisting } from "../transfer/existing-policy.js";
import { destinationExists } from "../transfer/part-file.js";
import { checkRealDirectory } from "../transfer/safe-fs.js";

/** True when the job ended here (already there, or refused); false: download it. */
export async function settleExistingDestination(claim: JobClaim, row: DownloadRow): Promise<boolean> {
  const { ctx } = claim;
  try {
    await checkRealDirectory(path.dirname(row.destination));
    const size = row.expected_size === null ? null : Number(row.expected_size);
    const content = { size, piecesRoot: row.pieces_root ?? null, sha256: row.expected_sha256 };
    const found = await inspectDestination(row.destination, content, true, claim.signal);
    const action = decideExisting(row.on_existing ?? "refuse", found);
    if (action === "refuse") throw destinationExists(row.destination);
    if (action !== "already-there" || size === null) return false;
    await claim.complete(size, row.expected_sha256);
    const verified = row.pieces_root ? "pieces root" : row.expected_sha256 !== null ? "sha256" : "size only";
    ctx.emit({
      ...eventBase(row, ctx.now),
      type: "completed",
      destination: row.destination,
      size,
      sha256: row.expected_sha256 ?? "",
      digestVerified: verified !== "size only",
      verified,
      piecesRoot: row.pieces_root ?? null,
      alreadyThere: true,
    });
    return true;
  } catch (e) {
    if (!(e instanceof DownloadError) || e.action !== "fail") throw e;
    await claim.fail(row, e);
    return true;
  }
}
