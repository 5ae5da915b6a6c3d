/**
 * Re-driving interrupted jobs at start (docs/downloads.md "Leases and fencing tokens"): leases
 * of dead local processes are released at once, and stale rows that target one
 * file are resolved — the one with most bytes resumes, the others fail as
 * superseded.
 */
import { realpath } from "node:fs/promises";
import path from "node:path";
import { DownloadError } from "../errors.js";
import { errOf, eventBase, failPatch, type JobContext } from "./download-job.js";
import * as repo from "../store/download.repository.js";
import { RUNNABLE_STATUSES, type DownloadRow } from "../store/download.table.js";
import { isLeaseOwnerDead } from "../store/lease.js";

/** Start-up housekeeping: free leases of dead local processes, then resolve duplicate destinations. */
export async function reclaimStaleJobs(ctx: Pick<JobContext, "db" | "owner" | "now" | "emit">): Promise<void> {
  const { owner, now, emit } = ctx;
  const d = ctx.db;
  for (const row of await repo.findLeasedRows(d)) {
    if (row.lease_owner !== null && row.lease_owner !== owner && isLeaseOwnerDead(row.lease_owner)) {
      await d
        .updateTable("download")
        .set({ lease_owner: null, lease_expires_at: null })
        .where("id", "=", row.id)
        .where("lease_owner", "=", row.lease_owner)
        .execute();
    }
  }
  // Stale rows for one destination (spelt differently, e.g. through a symlinked directory,
  // or written before the unique index existed): resume the one with most bytes, fail the others.
  const stale = await repo.findClaimableRows(d, now());
  const groups = new Map<string, DownloadRow[]>();
  for (const row of stale) {
    const key = await canonicalPath(row.destination);
    groups.set(key, [...(groups.get(key) ?? []), row]);
  }
  for (const rows of groups.values()) {
    if (rows.length < 2) continue;
    rows.sort(
      (a, b) => Number(b.committed_bytes) - Number(a.committed_bytes) || Number(a.created_at) - Number(b.created_at),
    );
    for (const loser of rows.slice(1)) {
      const e = new DownloadError("superseded", `superseded by job ${rows[0]?.id ?? "?"} for the same destination`);
      if (await repo.updateDownloadIfStatus(d, loser.id, RUNNABLE_STATUSES, { ...failPatch(e), updated_at: now() })) {
        emit({ ...eventBase(loser, now), type: "failed", error: errOf(e) });
      }
    }
  }
}

/** The real path of a file's directory joined with its name (the file itself may not exist). */
export async function canonicalPath(p: string): Promise<string> {
  try {
    return path.join(await realpath(path.dirname(p)), path.basename(p));
  } catch {
    return path.resolve(p);
  }
}
