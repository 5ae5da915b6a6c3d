/**
 * A folder's new file jobs, created in batches (docs/downloads.md "Statements and fsyncs per
 * file"): one look-up of the destinations live jobs hold, then one transaction that inserts the
 * rest (rows and sources with multi-row INSERTs) and points their manifest rows at them. A file
 * whose destination a live job holds goes through `createOrReuseJob` alone, as a single file does.
 */
import { randomUUID } from "node:crypto";
import { createOrReuseJob, insertNewJobs, isUniqueViolation, type NewJob, queuedEvent } from "../manager/enqueue.js";
import * as folders from "../store/download-folder.repository.js";
import { findLiveDestinations } from "../store/download.repository.js";
import type { FolderContext } from "./folder-context.js";

/** A file of the folder that needs a file job: the job, its manifest row, when it was settled. */
export interface PendingFileJob {
  readonly job: NewJob;
  readonly rowId: string;
  readonly t: number;
}

/**
 * Which files go in the batch (`batch`: no live job holds the destination) and which one at a
 * time (`alone`: a live job there is reused or refused by `createOrReuseJob`), as indexes in order.
 */
export function splitByLive(
  destinations: readonly string[],
  live: ReadonlySet<string>,
): { readonly batch: number[]; readonly alone: number[] } {
  const batch: number[] = [];
  const alone: number[] = [];
  for (const [i, d] of destinations.entries()) (live.has(d) ? alone : batch).push(i);
  return { batch, alone };
}

/**
 * Creates (or, for a destination a live job holds, reuses) the file job of each pending file and
 * records it in its manifest row; returns the job ids in the order given. The batch is one
 * transaction; if another process took one of its destinations meanwhile (a unique violation),
 * it is rolled back and every file goes through `createOrReuseJob` on its own, as before.
 */
export async function createFileJobs(
  ctx: Pick<FolderContext, "db" | "now" | "emit">,
  pending: readonly PendingFileJob[],
): Promise<string[]> {
  const d = ctx.db();
  const ids: string[] = new Array(pending.length);
  const live = await findLiveDestinations(
    d,
    pending.map((p) => p.job.destination),
  );
  const { batch, alone } = splitByLive(
    pending.map((p) => p.job.destination),
    live,
  );
  if (batch.length > 0) {
    const entries = batch.map((i) => ({ id: randomUUID(), ...(pending[i] as PendingFileJob) }));
    try {
      await d.transaction().execute(async (trx) => {
        await insertNewJobs(trx, entries);
        for (const e of entries)
          await folders.updateFolderFile(trx, e.rowId, { state: "job", download_id: e.id, updated_at: e.t });
      });
      entries.forEach((e, k) => {
        ids[batch[k] as number] = e.id;
        ctx.emit(queuedEvent(e.id, e.job, e.t));
      });
    } catch (err) {
      if (!isUniqueViolation(err)) throw err;
      alone.push(...batch);
      alone.sort((a, b) => a - b);
    }
  }
  for (const i of alone) {
    const p = pending[i] as PendingFileJob;
    const slot = await createOrReuseJob(d, p.job, ctx.now, ctx.emit);
    await folders.updateFolderFile(d, p.rowId, { state: "job", download_id: slot.id, updated_at: ctx.now() });
    ids[i] = slot.id;
  }
  return ids;
}
