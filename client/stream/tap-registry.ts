/**
 * The stream taps of one download manager (stream-tap.ts), one per job that something
 * reads, fed by the manager's events: a completed job serves its verified file; a job
 * that stops (failed, paused, cancelled) makes its waiting readers give up.
 */
import type { DownloadEvent } from "../events/download-events.js";
import { DownloadError } from "../errors.js";
import type { DownloadRow } from "../store/download.table.js";
import { StreamTap } from "./stream-tap.js";

/** The taps of a manager. */
export interface TapRegistry {
  /**
   * The job's tap, created on first use. `held` keeps it after the job ends (a stream server
   * serves the completed file); the engine's own taps (sequential jobs) go with their job.
   * Throws for a job whose size is not known.
   */
  forRow(row: DownloadRow, held?: boolean): StreamTap;
  /** The job's tap, if something opened one. */
  get(id: string): StreamTap | undefined;
  /** Feeds a manager event to the job's tap. */
  onEvent(e: DownloadEvent): void;
}

/** Creates an empty registry. */
export function createTapRegistry(): TapRegistry {
  const taps = new Map<string, StreamTap>();
  const held = new Set<string>();
  return {
    forRow(row, hold = false) {
      if (hold) held.add(row.id);
      const had = taps.get(row.id);
      if (had !== undefined) return had;
      if (row.expected_size === null || Number(row.expected_size) <= 0)
        throw new DownloadError("unknown-size", `job ${row.id} has no known size yet; it cannot be streamed`);
      const tap = new StreamTap({
        id: row.id,
        fileName: row.file_name,
        partPath: row.part_path,
        destination: row.destination,
        size: Number(row.expected_size),
        sequential: Number(row.sequential ?? 0) === 1,
      });
      if (row.status === "completed") tap.complete(row.destination, row.pieces_root ?? null);
      else if (row.status === "failed" || row.status === "cancelled")
        tap.stop(`the download ${row.status}: ${row.error_message ?? row.status}`);
      taps.set(row.id, tap);
      return tap;
    },
    get: (id) => taps.get(id),
    onEvent(e) {
      const tap = taps.get(e.id);
      if (tap === undefined) return;
      if (e.type === "completed") {
        // Bytes nobody could check are not served (docs/downloads.md "What a reader waits for").
        if (e.verified === "size only")
          tap.stop("the peer gave no digest for this file: its bytes could not be verified; open the file itself");
        else tap.complete(e.destination, e.piecesRoot);
      } else if (e.type === "failed" || e.type === "paused") tap.stop(`the download ${e.type}: ${e.error.message}`);
      else if (e.type === "cancelled") tap.stop("the download was cancelled");
      const ended = e.type === "completed" || e.type === "failed" || e.type === "paused" || e.type === "cancelled";
      if (ended && !held.has(e.id) && tap.readCount === 0) taps.delete(e.id);
    },
  };
}
