/**
 * One attempt of a download verified piece by piece (docs/pieces.md "Client engine"):
 * the part file is written at piece offsets, every piece is hashed (in a worker) and
 * checked against the piece layer before it is written and counted, a bad piece is read
 * again alone, and progress is the set of verified pieces, stored only after an fsync.
 * On a resume, pieces whose bytes are on disk but not recorded are checked from disk, and
 * pieces recorded by an earlier process are re-checked in the background (a damaged part
 * is caught before the rename, without delaying the first new byte).
 *
 * Several sources (docs/downloads.md "Sources"): source-readers.ts runs one reader per
 * source and decides who reads what; pieces from any source go through the same
 * hash → write → checkpoint path here, one at a time. A source whose read fails backs off
 * (retry/source-failure.ts decides) while the others go on; a source that sends a bad
 * piece while another remains is banned. With one source, this is exactly the one-peer
 * engine: its first failure ends the attempt.
 */
import type { FileHandle } from "node:fs/promises";
import { DownloadError, classify } from "../errors.js";
import {
  bitmapToText,
  copyBitmap,
  countPieces,
  emptyBitmap,
  hasPiece,
  isFull,
  setPiece,
  type Bitmap,
} from "../pieces/bitmap.js";
import { createPieceAssembler, type AssembledPiece } from "../pieces/piece-assembler.js";
import { nodeMatches } from "../pieces/piece-node.js";
import { candidatesOnDisk } from "../pieces/piece-planner.js";
import type { Assignment } from "../pieces/source-schedule.js";
import { checkReadStart } from "./check-read-start.js";
import { checkpointDue } from "./checkpoint-due.js";
import { createNetworkWait, type NetworkWait } from "./network-wait.js";
import { checkMirrorRead } from "./mirror-source.js";
import { commitPartGuarded } from "./part-file.js";
import { openPartFile } from "./safe-fs.js";
import type { PieceStats, PieceTransferParams, PieceTransferResult } from "./piece-transfer-params.js";
import type { Chunk, OpenedRead } from "./read-source.js";
import { SourceReaders, SourceRefused } from "./source-readers.js";
import { SourceRun } from "./source-run.js";
import { createWriteBehind, type WriteBehind } from "./write-behind.js";

export type { PieceHooks, PieceStats, PieceTransferParams, PieceTransferResult } from "./piece-transfer-params.js";
export type { TransferSource } from "./source-run.js";

/** RPC message size for urgent pieces (a 1 MiB message arrives whole, 16 s on a 64 KiB/s link). */
const URGENT_CHUNK_BYTES = 64 * 1024;

/** Runs one attempt. Throws a DownloadError (or something `classify` understands). */
export async function runPieceTransfer(p: PieceTransferParams, stats: PieceStats): Promise<PieceTransferResult> {
  const t = await PieceTransfer.open(p, stats);
  return t.run();
}

/** What a race between the network and the pipeline's head says when the hash came first. */
const HASHED = Symbol("hashed");
const hashedFirst = (): typeof HASHED => HASHED;

/** A piece in the hashing pipeline. */
interface Hashing {
  readonly run: SourceRun;
  readonly index: number;
  readonly offset: number;
  readonly node: Promise<{ node: Uint8Array; piece: Uint8Array }>;
  done: boolean;
}

class PieceTransfer {
  private readonly ctl = new AbortController();
  private readonly wb: WriteBehind;
  private readonly readers: SourceReaders;
  /** Pieces go to the write-behind and the checkpoint one at a time, whichever source sent them. */
  private serial: Promise<unknown> = Promise.resolve();
  /** Verified and pushed to the write-behind (or found good on disk). Includes the recorded pieces. */
  private readonly inHand: Bitmap;
  /** Pieces being checked from disk. */
  private readonly checking = new Set<number>();
  private readonly failures = new Map<number, number>();
  private readonly checks: Promise<void>[] = [];
  private pendingBytes = 0;
  private lastCheckpointAt: number;
  private validated = false;
  private closed = false;
  private badPieces = 0;
  private checkedOnDisk = 0;
  private refetched = 0;
  private readonly onOuterAbort = () => this.ctl.abort(this.p.signal.reason);
  /** Verified pieces pushed to the write-behind, not yet written (index → end offset): readable once written. */
  private readonly unwritten = new Map<number, number>();
  private unsteer: () => void = () => undefined;

  static async open(p: PieceTransferParams, stats: PieceStats): Promise<PieceTransfer> {
    const fh = await openPartFile(p.partPath);
    try {
      const { size } = await fh.stat();
      if (size > p.size) await fh.truncate(p.size); // nothing past the end of the file belongs to it
      return new PieceTransfer(p, stats, fh, Math.min(size, p.size));
    } catch (err) {
      await fh.close();
      throw err;
    }
  }

  private constructor(
    private readonly p: PieceTransferParams,
    private readonly stats: PieceStats,
    private readonly fh: FileHandle,
    private readonly partSize: number,
  ) {
    if (p.signal.aborted) this.ctl.abort(p.signal.reason);
    else p.signal.addEventListener("abort", this.onOuterAbort, { once: true });
    this.inHand = copyBitmap(p.verified);
    stats.verified = copyBitmap(p.verified);
    stats.confirmed = emptyBitmap(p.verified.count);
    this.lastCheckpointAt = p.now();
    this.wb = createWriteBehind({
      fs: p.fs,
      fh,
      start: 0,
      onWritten: (end, length) => {
        stats.bytesWritten += length;
        this.written(end - length, end);
      },
    });
    const runs = p.sources.map((source) => new SourceRun(source));
    stats.sources = runs;
    this.readers = new SourceReaders(runs, {
      ctl: this.ctl,
      count: p.verified.count,
      pieceLength: p.pieceLength,
      now: p.now,
      backoff: p.backoff,
      random: p.random,
      missing: (i) => !hasPiece(this.inHand, i) && !this.checking.has(i),
      inHand: (i) => hasPiece(this.inHand, i),
      allInHand: () => isFull(this.inHand),
      done: () => isFull(this.inHand) && this.checking.size === 0,
      read: (run, a, ctl) => this.readRange(run, a, ctl),
      onSourceFailed: (run, error, decision) => p.hooks.onSourceFailed(run, error, decision),
      onSourceBanned: (run, reason) => p.hooks.onSourceBanned(run, reason),
      urgent: p.steer === undefined ? undefined : () => p.steer?.urgent() ?? [],
    });
  }

  async run(): Promise<PieceTransferResult> {
    try {
      this.startSteer();
      this.startDiskChecks();
      await this.fetchMissing();
      const destination = await this.finish();
      return { size: this.p.size, checkedOnDisk: this.checkedOnDisk, refetched: this.refetched, destination };
    } catch (err) {
      await this.keepWhatArrived(err);
      throw this.errorOf(err);
    } finally {
      this.unsteer();
      this.p.signal.removeEventListener("abort", this.onOuterAbort);
      this.ctl.abort(new DownloadError("cancelled", "the attempt ended"));
      await Promise.allSettled(this.checks);
      if (!this.closed) await this.fh.close().catch(() => undefined);
    }
  }

  /**
   * Readers of the download (client/stream/stream-tap.ts) learn the layout and what they may
   * read now: pieces recorded by this process (never re-checked); their reads steer the schedule.
   */
  private startSteer(): void {
    const { p } = this;
    const steer = p.steer;
    if (steer === undefined) return;
    steer.begin(
      { size: p.size, pieceLength: p.pieceLength, rootHex: p.rootHex ?? "" },
      (i) => hasPiece(p.verified, i) && !p.recheck(i),
    );
    this.unsteer = steer.onSteer(() => this.readers.steer());
  }

  /** The write-behind wrote [start, end): the verified pieces inside it are readable. */
  private written(start: number, end: number): void {
    const steer = this.p.steer;
    if (steer === undefined) return;
    for (const [index, pieceEnd] of this.unwritten) {
      if (index * this.p.pieceLength >= start && pieceEnd <= end) {
        this.unwritten.delete(index);
        steer.pieceReadable(index);
      }
    }
  }

  /** One reader per source until every piece is verified (or being checked from disk). */
  private fetchMissing(): Promise<void> {
    return this.readers.fetch();
  }

  /**
   * Pieces on disk but not recorded (written after the last checkpoint, or a prefix from
   * before the root was known) are checked before they are read again; recorded pieces
   * from an earlier process are re-checked in the background (a damaged part).
   */
  private startDiskChecks(): void {
    const { p } = this;
    const unrecorded = candidatesOnDisk(p.verified, p.pieceLength, p.size, this.partSize);
    const recorded: number[] = [];
    for (let i = 0; i < p.verified.count; i++) if (hasPiece(p.verified, i) && p.recheck(i)) recorded.push(i);
    const queue = [...unrecorded, ...recorded];
    for (const i of queue) this.checking.add(i);
    const worker = async () => {
      for (let i = queue.shift(); i !== undefined; i = queue.shift())
        await this.checkOnDisk(i, hasPiece(p.verified, i));
    };
    // A few at a time: each holds one piece in a worker.
    for (let k = 0; k < Math.min(4, queue.length); k++) {
      const w = worker();
      w.catch(() => undefined); // awaited in finish(); never an unhandled rejection meanwhile
      this.checks.push(w);
    }
  }

  private async checkOnDisk(index: number, recorded: boolean): Promise<void> {
    const { p } = this;
    try {
      const offset = index * p.pieceLength;
      const length = Math.min(p.pieceLength, p.size - offset);
      const node = await p.pool.filePieceNode(p.partPath, offset, length, p.pieceLength, p.size <= p.pieceLength);
      if (this.ctl.signal.aborted) return;
      this.checkedOnDisk++;
      const good = nodeMatches(node, index, p.size, p.pieceLength, p.root, p.layer);
      if (good) setPiece(this.confirmed, index);
      if (good) p.steer?.pieceReadable(index); // its bytes are on disk and match
      if (good && !recorded) {
        setPiece(this.inHand, index);
        this.pendingBytes += length; // on disk, not yet fsync'ed by us
      } else if (!good && recorded) {
        setPiece(this.inHand, index, false);
        p.hooks.onPieceFailed(index, "disk");
      }
    } finally {
      this.checking.delete(index);
      this.readers.notify();
    }
  }

  /** One read of a range from one source; each piece is hashed in the pool, checked, then written. */
  private async readRange(run: SourceRun, a: Assignment, ctl: AbortController): Promise<void> {
    const { p } = this;
    const { source } = run;
    const offset = a.first * p.pieceLength;
    const length = Math.min(p.size, a.end * p.pieceLength) - offset;
    const net = createNetworkWait(ctl, p.idleTimeoutMs, () => this.wb.inFlight);
    try {
      const read = await net.wait(
        source.openRead({
          itemId: source.itemId,
          offset,
          length,
          ifMatch: source.etag,
          expectedSize: p.size,
          // A reader waits for urgent pieces: small messages, so each piece comes as soon as it is sent.
          chunkSize: a.urgent === true ? URGENT_CHUNK_BYTES : source.chunkSize,
          transient: true, // receive() copies every chunk into its piece before the next
          signal: ctl.signal,
        }),
      );
      const body = read.body;
      try {
        const whole = this.checkRead(run, read, offset, length);
        if (!this.validated) {
          this.validated = true;
          await p.hooks.onValidated({ ...read.meta, etag: p.etag, size: p.size }, this.verifiedBytes());
        }
        await this.receive(run, read, whole ? 0 : offset, whole ? p.size : offset + length, net);
      } finally {
        await body.return?.().catch(() => undefined);
      }
    } finally {
      net.clear();
    }
  }

  /** Whether a read can be used; true when it carries the whole file from 0 (a peer that ignored the range). */
  private checkRead(run: SourceRun, read: OpenedRead, offset: number, length: number): boolean {
    const { p } = this;
    if (run.source.kind === "mirror") {
      const verdict = checkMirrorRead(read, { offset, length }, p.size);
      if (verdict.kind !== "ok") throw new SourceRefused(verdict.kind, verdict.reason);
      return false;
    }
    const expected = { size: p.size, etag: run.source.etag ?? null, sha256: null };
    const decision = checkReadStart(offset, read.start, read.meta, expected, p.maxFileSize);
    // A peer that ignored the range sent the whole file from 0: pieces are written at their
    // own offsets, so that body is used as is (verified pieces are skipped).
    if (decision.kind !== "ok" && decision.kind !== "restart-with-body")
      throw new DownloadError(decision.kind, decision.reason);
    if (read.atEnd === true)
      throw new DownloadError("protocol", "the peer answered a piece read as if the file were complete");
    return decision.kind === "restart-with-body";
  }

  /** Assembles the body's bytes into pieces, hashes them in the pool, and settles them in order. */
  private async receive(run: SourceRun, read: OpenedRead, start: number, end: number, net: NetworkWait) {
    const { p } = this;
    const asm = createPieceAssembler({
      start,
      end,
      pieceLength: p.pieceLength,
      size: p.size,
      skip: (i) => hasPiece(this.inHand, i) || this.checking.has(i),
    });
    const pipeline: Hashing[] = [];
    let pipelineBytes = 0;
    // Bytes hashing or waiting to be written, per read: bounds the client's memory (docs/performance.md).
    const limit = Math.max(2 * p.pieceLength, 4 * 1024 * 1024);
    let next: Promise<IteratorResult<Chunk>> | undefined;
    try {
      next = read.body.next();
      for (;;) {
        // While the network is quiet, pieces whose hash is back are written (and readable) at
        // once: on a slow link a reader would otherwise wait a whole message for its piece.
        const head = pipeline[0];
        const got =
          head === undefined || head.done
            ? await net.wait(next as Promise<IteratorResult<Chunk>>)
            : await net.wait(
                Promise.race([next as Promise<IteratorResult<Chunk>>, head.node.then(hashedFirst, hashedFirst)]),
              );
        if (got === HASHED) {
          pipelineBytes -= await this.settlePiece(pipeline.shift());
          continue;
        }
        const r = got as IteratorResult<Chunk>;
        if (r.done === true) {
          next = undefined;
          break;
        }
        for (const piece of asm.push(r.value.offset, r.value.data)) {
          pipelineBytes += piece.bytes.length; // before hash(): it transfers (detaches) the buffer
          pipeline.push(this.hash(run, piece));
        }
        // Pieces whose hash is back are written at once (in order); a full pipeline waits for its head.
        while (pipeline.length > 0 && (pipelineBytes > limit || pipeline[0]?.done === true)) {
          pipelineBytes -= await this.settlePiece(pipeline.shift());
        }
        next = read.body.next(); // only now: a transient chunk is valid until the next is asked for
      }
      asm.finish();
      while (pipeline.length > 0) await this.settlePiece(pipeline.shift());
    } finally {
      next?.catch(() => undefined); // a read cut while the pipeline was being settled
      for (const h of pipeline) h.node.catch(() => undefined);
    }
  }

  /** Sends a piece to the pool (its buffer is transferred). */
  private hash(run: SourceRun, piece: AssembledPiece): Hashing {
    const { p } = this;
    const entry: Hashing = {
      run,
      index: piece.index,
      offset: piece.offset,
      done: false,
      node: p.pool.pieceNode(piece.bytes, p.pieceLength, p.size <= p.pieceLength),
    };
    entry.node.then(
      () => (entry.done = true),
      () => (entry.done = true), // observed in order by settlePiece
    );
    return entry;
  }

  /** Checks a hashed piece; writes and counts it when good, else charges the source. Returns its length. */
  private async settlePiece(entry: Hashing | undefined): Promise<number> {
    if (entry === undefined) return 0;
    this.ctl.signal.throwIfAborted(); // a cancel or pause stops at once, even with hashed pieces waiting
    const { p } = this;
    const { node, piece: bytes } = await entry.node;
    // Read once: after its write the buffer goes back to piece-buffers.ts and may be lent (and detached) again.
    const length = bytes.length;
    const { index, offset, run } = entry;
    if (run.reading !== undefined) run.reading.position = Math.max(run.reading.position, index + 1);
    if (!nodeMatches(node, index, p.size, p.pieceLength, p.root, p.layer)) {
      await this.pieceFailed(run, index);
      return length;
    }
    await this.inOrder(async () => {
      if (hasPiece(this.inHand, index)) return; // the endgame's other copy arrived first
      if (this.failures.has(index)) this.refetched++;
      if (p.steer !== undefined) this.unwritten.set(index, offset + length);
      await this.wb.push(offset, bytes);
      setPiece(this.inHand, index);
      setPiece(this.confirmed, index);
      run.delivered(p.now(), length);
      this.pendingBytes += length;
      p.hooks.onBytes(this.verifiedBytes());
      const due = { pendingBytes: this.pendingBytes, sinceLastMs: p.now() - this.lastCheckpointAt };
      if (checkpointDue({ ...due, checkpointBytes: p.checkpointBytes, checkpointMs: p.checkpointMs }))
        await this.checkpoint();
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
    const { p } = this;
    const n = (this.failures.get(index) ?? 0) + 1;
    this.failures.set(index, n);
    this.badPieces++;
    const url = run.source.url;
    p.hooks.onPieceFailed(index, url);
    if (this.readers.othersUsable(run)) {
      await this.readers.ban(run, `piece ${index} failed its hash`);
      throw new DownloadError("bad-pieces", `${url} sent piece ${index}, which failed its hash: banned`);
    }
    const max = p.maxFailuresPerPiece ?? 2;
    if (n >= max || this.badPieces >= (p.maxBadPieces ?? 4)) {
      const what =
        n >= max ? `piece ${index} failed its hash ${n} times` : `${this.badPieces} pieces failed their hash`;
      throw new DownloadError("bad-pieces", `${what}; ${url} sends bytes that are not the file's`);
    }
  }

  /** fsync, THEN store the verified pieces: the row never claims a piece that is not on disk. */
  private async checkpoint(): Promise<void> {
    await this.wb.flush();
    await this.fh.datasync();
    const durable = copyBitmap(this.inHand);
    this.stats.verified = durable;
    this.pendingBytes = 0;
    this.lastCheckpointAt = this.p.now();
    await this.p.hooks.onCheckpoint(bitmapToText(durable), this.prefixBytes(durable));
  }

  /** Every piece in: waits for the disk checks, then fsync → store → place → fsync dir; returns the path used. */
  private async finish(): Promise<string> {
    await Promise.all(this.checks);
    if (!isFull(this.inHand)) {
      // A background check found a damaged piece after the last read: read it again.
      await this.fetchMissing();
      if (!isFull(this.inHand)) throw new DownloadError("short-stream", "some pieces are still missing");
    }
    await this.wb.flush();
    await this.fh.datasync();
    this.stats.verified = copyBitmap(this.inHand);
    await this.p.hooks.onVerifying(bitmapToText(this.inHand), this.p.size);
    this.closed = true;
    return commitPartGuarded(this.p.hooks.guardRename, this.fh, this.p.partPath, this.p);
  }

  /** After a failure: write and fsync the verified pieces in hand, then record them. */
  private async keepWhatArrived(err: unknown): Promise<void> {
    await this.wb.settle().catch(() => undefined);
    if (this.closed) return;
    if (this.errorOf(err).action === "restart") {
      this.p.steer?.forget("the file changed on the peer; the download starts again");
      await this.fh.truncate(0).catch(() => undefined);
      return;
    }
    if (this.wb.broken) return; // which pieces reached the disk is unknown: keep the last record
    try {
      await this.wb.flush();
      if (this.pendingBytes > 0) await this.checkpoint();
    } catch {
      // The next attempt resumes from the last good checkpoint instead.
    }
  }

  private errorOf(err: unknown): DownloadError {
    const reason = this.ctl.signal.aborted ? this.ctl.signal.reason : undefined;
    return reason instanceof DownloadError && !(err instanceof DownloadError && err.code === "bad-pieces")
      ? reason
      : classify(err);
  }

  private get confirmed(): Bitmap {
    return this.stats.confirmed as Bitmap;
  }

  private verifiedBytes(): number {
    // Counted on demand only for events; O(pieces / 8).
    return this.bytesOf(this.inHand);
  }

  private prefixBytes(b: Bitmap): number {
    let n = 0;
    while (n < b.count && hasPiece(b, n)) n++;
    return Math.min(this.p.size, n * this.p.pieceLength);
  }

  private bytesOf(b: Bitmap): number {
    const { size, pieceLength } = this.p;
    const n = countPieces(b);
    if (n === 0) return 0;
    const last = b.count - 1;
    return hasPiece(b, last) ? (n - 1) * pieceLength + (size - last * pieceLength) : n * pieceLength;
  }
}
