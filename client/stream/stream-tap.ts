/**
 * A job's stream tap (docs/downloads.md "Reading a download while it runs"): what the
 * readers of a download in progress need, and what they ask of the engine. It lives as
 * long as the job in this process, across attempts:
 *
 * - the attempt's piece transfer tells it which pieces are **readable** — verified against
 *   the pieces root (in this process, or re-checked from disk) and written to the part
 *   file; nothing else is ever served;
 * - readers register their **reads** (the next byte they need and a read-ahead window);
 *   the transfer's schedule asks for the urgent pieces (read-priority.ts) and is told
 *   when they change;
 * - the job's end (completed, failed, paused, cancelled) comes from the manager's events.
 */
import { emptyBitmap, hasPiece, setPiece, type Bitmap } from "../pieces/bitmap.js";
import { urgentPieces, type PieceDeadline } from "../pieces/read-priority.js";
import type { ReadProgress } from "../events/download-events.js";
import type { PieceSteer, SteerLayout } from "../transfer/transfer-options.js";

/** What is known of the file before any attempt ran. */
export interface TapFile {
  readonly id: string;
  readonly fileName: string;
  /** The part file (bytes of a download in progress). */
  readonly partPath: string;
  /** The final path (bytes once completed). */
  readonly destination: string;
  /** Size in bytes (the job's expected size). */
  readonly size: number;
  /** The job's `sequential` option. */
  readonly sequential: boolean;
}

/** Where a reader reads from now. */
export type TapState =
  /** The pieces path runs (or ran) in this process: pieces are readable one by one. */
  | { readonly kind: "pieces"; readonly layout: SteerLayout }
  /** The whole file is complete and verified in place. */
  | { readonly kind: "complete"; readonly destination: string; readonly piecesRoot: string | null }
  /** Nothing readable yet (no pieces root known, or no attempt yet). */
  | { readonly kind: "waiting" }
  /** The job stopped (failed, paused, cancelled) or the file changed: readers give up. */
  | { readonly kind: "stopped"; readonly reason: string };

/** One registered read. */
export interface TapRead {
  /** First byte of its range. */
  readonly start: number;
  /** One past its last byte. */
  readonly end: number;
  /** Next byte it needs. */
  position: number;
  /** Read-ahead window after `position`, in bytes. */
  readonly readAhead: number;
  /** True while it waits for a piece. */
  waiting: boolean;
}

/** The tap of one job. */
export class StreamTap implements PieceSteer {
  private state: TapState = { kind: "waiting" };
  private readable: Bitmap = emptyBitmap(0);
  private readonly reads = new Set<TapRead>();
  private urgentCache: PieceDeadline[] | undefined;
  private readonly steerListeners = new Set<() => void>();
  private waiters = new Set<() => void>();

  constructor(readonly file: TapFile) {}

  /** Where bytes come from now. */
  get current(): TapState {
    return this.state;
  }

  // --- the engine's side (PieceSteer) ---

  /** An attempt of the pieces path starts: a new root or piece length forgets what was readable. */
  begin(layout: SteerLayout, readableAtStart: (index: number) => boolean): void {
    const prev = this.state.kind === "pieces" ? this.state.layout : undefined;
    const count = Math.ceil(layout.size / layout.pieceLength);
    if (prev === undefined || prev.rootHex !== layout.rootHex || prev.pieceLength !== layout.pieceLength)
      this.readable = emptyBitmap(count);
    for (let i = 0; i < count; i++) if (readableAtStart(i)) setPiece(this.readable, i);
    this.state = { kind: "pieces", layout };
    this.changed();
  }

  /** A piece is verified and its bytes are in the part file. */
  pieceReadable(index: number): void {
    if (!Number.isInteger(index) || index < 0 || index >= this.readable.count) return;
    setPiece(this.readable, index);
    this.wake(); // the schedule needs no word: it skips pieces in hand by itself
  }

  /** The part is about to be truncated (the file changed): nothing in it is readable any more. */
  forget(reason: string): void {
    this.readable = emptyBitmap(0);
    this.state = { kind: "stopped", reason };
    this.changed();
  }

  /** Urgent pieces now, earliest deadline first. */
  urgent(): readonly PieceDeadline[] {
    if (this.urgentCache !== undefined) return this.urgentCache;
    if (this.state.kind !== "pieces") return [];
    const { size, pieceLength } = this.state.layout;
    const reads = [...this.reads];
    const list = urgentPieces({ size, pieceLength, reads, sequential: this.file.sequential }).filter(
      (d) => !hasPiece(this.readable, d.index),
    );
    this.urgentCache = list;
    return list;
  }

  /** Subscribes the schedule to changes of the urgent pieces; returns the unsubscribe function. */
  onSteer(listener: () => void): () => void {
    this.steerListeners.add(listener);
    return () => this.steerListeners.delete(listener);
  }

  // --- the job's end (from the manager's events) ---

  /** The file is complete and verified in place. */
  complete(destination: string, piecesRoot: string | null): void {
    this.state = { kind: "complete", destination, piecesRoot };
    this.changed();
  }

  /** The job stopped: waiting readers give up with `reason`. */
  stop(reason: string): void {
    if (this.state.kind === "complete") return;
    this.state = { kind: "stopped", reason };
    this.changed();
  }

  // --- the readers' side ---

  /** True when piece `index` may be served now. */
  isReadable(index: number): boolean {
    return this.state.kind === "complete" || (this.state.kind === "pieces" && hasPiece(this.readable, index));
  }

  /** Registers a read of [start, end) (a response body); remove it with {@link close}. */
  open(start: number, end: number, readAhead: number): TapRead {
    const read: TapRead = { start, end, position: start, readAhead, waiting: false };
    this.reads.add(read);
    this.steerChanged();
    return read;
  }

  /** Moves a read's position (its window follows). */
  advance(read: TapRead, position: number): void {
    read.position = position;
    this.steerChanged();
  }

  /** Unregisters a read. */
  close(read: TapRead): void {
    if (this.reads.delete(read)) this.steerChanged();
  }

  /** Resolves at the next change (a piece readable, the state changed), or after `ms`. */
  async next(ms: number, signal: AbortSignal): Promise<void> {
    if (signal.aborted) return;
    await new Promise<void>((resolve) => {
      const done = () => {
        clearTimeout(t);
        this.waiters.delete(done);
        signal.removeEventListener("abort", done);
        resolve();
      };
      const t = setTimeout(done, Math.max(0, ms));
      this.waiters.add(done);
      signal.addEventListener("abort", done, { once: true });
    });
  }

  /** The reads for progress events: range, position, window and how much of it is ready. */
  snapshot(): ReadProgress[] {
    const out: ReadProgress[] = [];
    for (const r of this.reads) {
      const windowEnd = Math.min(r.end, r.position + r.readAhead);
      out.push({
        start: r.start,
        end: r.end,
        position: r.position,
        readAhead: windowEnd - r.position,
        ready: this.readyFrom(r.position, windowEnd) - r.position,
        waiting: r.waiting,
      });
    }
    return out;
  }

  /** Number of open reads. */
  get readCount(): number {
    return this.reads.size;
  }

  /** End of the readable bytes from `position` (at most `limit`). */
  readyFrom(position: number, limit: number): number {
    if (this.state.kind === "complete") return limit;
    if (this.state.kind !== "pieces") return position;
    const { pieceLength } = this.state.layout;
    let at = position;
    while (at < limit && hasPiece(this.readable, Math.floor(at / pieceLength)))
      at = Math.min(limit, (Math.floor(at / pieceLength) + 1) * pieceLength);
    return at;
  }

  private changed(): void {
    this.wake();
    this.steerChanged();
  }

  private wake(): void {
    const w = this.waiters;
    this.waiters = new Set();
    for (const resolve of w) resolve();
  }

  private steerChanged(): void {
    this.urgentCache = undefined;
    for (const l of this.steerListeners) l();
  }
}
