/**
 * The per-piece check of the transfer engine (docs/pieces.md "Client engine"): the part
 * file is written at piece offsets, every piece is hashed (in a worker) and checked
 * against the piece layer before it is written and counted, a bad piece is read again
 * alone, and progress is the set of verified pieces, stored only after an fsync
 * (part-session.ts). On a resume, pieces on disk are checked from disk
 * (piece-disk-checks.ts).
 *
 * Several sources (docs/downloads.md "Sources"): source-readers.ts runs one reader per
 * source and decides who reads what; pieces from any source go through the same
 * hash → write → checkpoint path here, one at a time. A source whose read fails backs off
 * (retry/source-failure.ts decides) while the others go on; a source that sends a bad
 * piece while another remains is banned (piece-failure.ts). With one source, its first
 * failure ends the attempt.
 */
import type { FileHandle } from "node:fs/promises";
import { DownloadError } from "../errors.js";
import {
  bitmapBytes,
  bitmapToText,
  copyBitmap,
  emptyBitmap,
  hasPiece,
  isFull,
  prefixBytes,
  setPiece,
  type Bitmap,
} from "../pieces/bitmap.js";
import { nodeMatches } from "../pieces/piece-node.js";
import type { Assignment } from "../pieces/source-schedule.js";
import { openPartWithin } from "./part-file.js";
import { PartSession, type Recorder } from "./part-session.js";
import { startDiskChecks, type DiskCheckState } from "./piece-disk-checks.js";
import { pieceFailureVerdict } from "./piece-failure.js";
import { receivePieces, type Hashing } from "./piece-pipeline.js";
import { checkPieceRead, openPieceRead } from "./piece-read.js";
import { SourceReaders } from "./source-readers.js";
import { SourceRun } from "./source-run.js";
import type { Checkpoint, PieceCheck, TransferOptions, TransferResult, TransferStats } from "./transfer-options.js";

/** Runs one attempt with the per-piece check. */
export async function runPieceTransfer(
  o: TransferOptions,
  c: PieceCheck,
  stats: TransferStats,
): Promise<TransferResult> {
  const { fh, partSize } = await openPartWithin(o.partPath, c.size);
  return new PieceEngine(o, c, stats, fh).run(partSize);
}

class PieceEngine implements Recorder, DiskCheckState {
  readonly session: PartSession;
  readonly keepsAfterBrokenWrite = false; // which pieces reached the disk is unknown: keep the last record
  readonly readers: SourceReaders;
  /** Verified and pushed to the write-behind (or found good on disk). Includes the recorded pieces. */
  readonly inHand: Bitmap;
  readonly confirmed: Bitmap;
  readonly checking = new Set<number>();
  readonly partPath: string;
  readonly hooks: TransferOptions["hooks"];
  checkedOnDisk = 0;
  /** Pieces go to the write-behind and the checkpoint one at a time, whichever source sent them. */
  private serial: Promise<unknown> = Promise.resolve();
  private readonly failures = new Map<number, number>();
  private checks: Promise<void>[] = [];
  private validated = false;
  private badPieces = 0;
  private refetched = 0;
  /** Verified pieces pushed to the write-behind, not yet written (index → end offset): readable once written. */
  private readonly unwritten = new Map<number, number>();
  private unsteer: () => void = () => undefined;

  constructor(
    private readonly o: TransferOptions,
    readonly c: PieceCheck,
    private readonly stats: TransferStats,
    fh: FileHandle,
  ) {
    this.session = new PartSession(o, stats, fh, this, 0);
    this.partPath = o.partPath;
    this.hooks = o.hooks;
    this.inHand = copyBitmap(c.verified);
    stats.verified = copyBitmap(c.verified);
    this.confirmed = emptyBitmap(c.verified.count);
    stats.confirmed = this.confirmed;
    const runs = c.sources.map((source) => new SourceRun(source));
    stats.sources = runs;
    this.readers = new SourceReaders(runs, {
      ctl: this.session.ctl,
      count: c.verified.count,
      pieceLength: c.pieceLength,
      now: o.now,
      backoff: c.backoff,
      random: c.random,
      missing: (i) => !hasPiece(this.inHand, i) && !this.checking.has(i),
      inHand: (i) => hasPiece(this.inHand, i),
      allInHand: () => isFull(this.inHand),
      done: () => isFull(this.inHand) && this.checking.size === 0,
      read: (run, a, ctl) => this.readRange(run, a, ctl),
      onSourceFailed: (run, error, decision) => o.hooks.onSourceFailed?.(run, error, decision),
      onSourceBanned: async (run, reason) => o.hooks.onSourceBanned?.(run, reason),
      urgent: c.steer === undefined ? undefined : () => c.steer?.urgent() ?? [],
    });
  }

  get signal(): AbortSignal {
    return this.session.ctl.signal;
  }

  run(partSize: number): Promise<TransferResult> {
    return this.session.run(
      async () => {
        this.startSteer();
        this.checks = startDiskChecks(this, partSize);
        await this.readers.fetch();
        const destination = await this.finish();
        const { checkedOnDisk, refetched } = this;
        return { size: this.c.size, destination, sha256: undefined, digestVerified: false, checkedOnDisk, refetched };
      },
      async () => {
        this.unsteer();
        await Promise.allSettled(this.checks);
      },
    );
  }

  record(): Checkpoint {
    const durable = copyBitmap(this.inHand);
    this.stats.verified = durable;
    return { committed: prefixBytes(durable, this.c.size, this.c.pieceLength), verified: bitmapToText(durable) };
  }

  unrecorded(): boolean {
    return this.session.pendingBytes > 0;
  }

  forget(reason: string): void {
    this.c.steer?.forget(reason);
  }

  found(length: number): void {
    this.session.hold(length);
  }

  checked(): void {
    this.readers.notify();
  }

  /** The write-behind wrote [end - length, end): the verified pieces inside it are readable. */
  written(end: number, length: number): void {
    const steer = this.c.steer;
    if (steer === undefined) return;
    const start = end - length;
    for (const [index, pieceEnd] of this.unwritten) {
      if (index * this.c.pieceLength >= start && pieceEnd <= end) {
        this.unwritten.delete(index);
        steer.pieceReadable(index);
      }
    }
  }

  /**
   * Readers of the download (client/stream/stream-tap.ts) learn the layout and what they may
   * read now: pieces recorded by this process (never re-checked); their reads steer the schedule.
   */
  private startSteer(): void {
    const { c } = this;
    const steer = c.steer;
    if (steer === undefined) return;
    steer.begin(
      { size: c.size, pieceLength: c.pieceLength, rootHex: c.rootHex ?? "" },
      (i) => hasPiece(c.verified, i) && !c.recheck(i),
    );
    this.unsteer = steer.onSteer(() => this.readers.steer());
  }

  /** One read of a range from one source; each piece is hashed in the pool, checked, then written. */
  private async readRange(run: SourceRun, a: Assignment, ctl: AbortController): Promise<void> {
    const { c, o } = this;
    const { source } = run;
    const offset = a.first * c.pieceLength;
    const length = Math.min(c.size, a.end * c.pieceLength) - offset;
    const net = this.session.networkWait(ctl);
    try {
      const urgent = a.urgent === true;
      const read = await openPieceRead(source, { offset, length, size: c.size, urgent, signal: ctl.signal }, net);
      try {
        const ask = { kind: source.kind, etag: source.etag, offset, length, size: c.size, maxFileSize: o.maxFileSize };
        const whole = checkPieceRead(read, ask);
        if (!this.validated) {
          this.validated = true;
          await o.hooks.onValidated({ ...read.meta, etag: c.etag, size: c.size }, this.verifiedBytes());
        }
        const deps = {
          size: c.size,
          pieceLength: c.pieceLength,
          pool: c.pool,
          skip: (i: number) => hasPiece(this.inHand, i) || this.checking.has(i),
          settle: (entry: Hashing) => this.settlePiece(run, entry),
        };
        await receivePieces(deps, read, whole ? 0 : offset, whole ? c.size : offset + length, net);
      } finally {
        await read.body.return?.().catch(() => undefined);
      }
    } finally {
      net.clear();
    }
  }

  /** Checks a hashed piece; writes and counts it when good, else charges the source. Returns its length. */
  private async settlePiece(run: SourceRun, entry: Hashing): Promise<number> {
    this.signal.throwIfAborted(); // a cancel or pause stops at once, even with hashed pieces waiting
    const { c } = this;
    const { node, piece: bytes } = await entry.node;
    // Read once: after its write the buffer goes back to piece-buffers.ts and may be lent (and detached) again.
    const length = bytes.length;
    const { index, offset } = entry;
    if (run.reading !== undefined) run.reading.position = Math.max(run.reading.position, index + 1);
    if (!nodeMatches(node, index, c.size, c.pieceLength, c.root, c.layer)) {
      await this.pieceFailed(run, index);
      return length;
    }
    await this.inOrder(async () => {
      if (hasPiece(this.inHand, index)) return; // the endgame's other copy arrived first
      if (this.failures.has(index)) this.refetched++;
      if (c.steer !== undefined) this.unwritten.set(index, offset + length);
      await this.session.wb.push(offset, bytes);
      setPiece(this.inHand, index);
      setPiece(this.confirmed, index);
      run.delivered(this.o.now(), length);
      this.o.hooks.onBytes(this.verifiedBytes());
      await this.session.added(length);
    });
    this.readers.cancelLosers();
    this.readers.notify();
    return length;
  }

  /** Runs `step` after every earlier one (the write-behind and the checkpoints take one caller at a time). */
  private inOrder(step: () => Promise<void>): Promise<void> {
    const next = this.serial.then(step);
    this.serial = next.catch(() => undefined);
    return next;
  }

  /** A piece failed its hash: ban its source when another remains, else the one-source rule. */
  private async pieceFailed(run: SourceRun, index: number): Promise<void> {
    const pieceFailures = (this.failures.get(index) ?? 0) + 1;
    this.failures.set(index, pieceFailures);
    this.badPieces++;
    const url = run.source.url;
    this.o.hooks.onPieceFailed?.(index, url);
    const verdict = pieceFailureVerdict({
      index,
      pieceFailures,
      badPieces: this.badPieces,
      othersUsable: this.readers.othersUsable(run),
      maxFailuresPerPiece: this.c.maxFailuresPerPiece,
      maxBadPieces: this.c.maxBadPieces,
    });
    if (verdict.kind === "ban") {
      await this.readers.ban(run, `piece ${index} failed its hash`);
      throw new DownloadError("bad-pieces", `${url} sent piece ${index}, which failed its hash: banned`);
    }
    if (verdict.kind === "end")
      throw new DownloadError("bad-pieces", `${verdict.reason}; ${url} sends bytes that are not the file's`);
  }

  /** Every piece in: waits for the disk checks, reads what they found damaged, then the session's final step. */
  private async finish(): Promise<string> {
    await Promise.all(this.checks);
    if (!isFull(this.inHand)) {
      // A background check found a damaged piece after the last read: read it again.
      await this.readers.fetch();
      if (!isFull(this.inHand)) throw new DownloadError("short-stream", "some pieces are still missing");
    }
    return this.session.finish();
  }

  /** Verified bytes in hand (counted on demand, for events). */
  private verifiedBytes(): number {
    return bitmapBytes(this.inHand, this.c.size, this.c.pieceLength);
  }
}
