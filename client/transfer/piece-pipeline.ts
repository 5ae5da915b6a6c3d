/**
 * One read's hashing pipeline (docs/pieces.md "Client engine"): the body's bytes are
 * assembled into pieces, each piece is hashed by the pool (at once on this thread on a
 * machine of at most 2 cores, else in a worker, its buffer transferred there), and pieces
 * are settled (checked, written) in the order they arrived, while the network goes on. Bytes hashing or waiting to be written are bounded per read
 * (docs/performance.md), so a slow disk or a busy pool holds the read back.
 */
import type { HashPool } from "../pieces/hash-pool.js";
import { createPieceAssembler, type AssembledPiece } from "../pieces/piece-assembler.js";
import type { NetworkWait } from "./network-wait.js";
import type { Chunk, OpenedRead } from "./read-source.js";

/** A piece in the hashing pipeline. */
export interface Hashing {
  readonly index: number;
  readonly offset: number;
  readonly node: Promise<{ node: Uint8Array; piece: Uint8Array }>;
  done: boolean;
}

/** What the pipeline needs from the engine. */
export interface PipelineDeps {
  readonly size: number;
  readonly pieceLength: number;
  readonly pool: HashPool;
  /** True for a piece not to read again (in hand, or being checked from disk). */
  readonly skip: (index: number) => boolean;
  /** Checks a hashed piece, writes it when good; returns its length. */
  readonly settle: (entry: Hashing) => Promise<number>;
}

/** What a race between the network and the pipeline's head says when the hash came first. */
const HASHED = Symbol("hashed");
const hashedFirst = (): typeof HASHED => HASHED;

/** Bytes hashing or waiting to be written, per read: at least two pieces, at least 4 MiB. */
export function pipelineLimit(pieceLength: number): number {
  return Math.max(2 * pieceLength, 4 * 1024 * 1024);
}

/** Receives [start, end) from `read`: every piece is hashed and settled in order. */
export async function receivePieces(
  d: PipelineDeps,
  read: OpenedRead,
  start: number,
  end: number,
  net: NetworkWait,
): Promise<void> {
  const asm = createPieceAssembler({ start, end, pieceLength: d.pieceLength, size: d.size, skip: d.skip });
  const pipeline: Hashing[] = [];
  let bytes = 0;
  const limit = pipelineLimit(d.pieceLength);
  const settleHead = async () => {
    const head = pipeline.shift();
    if (head !== undefined) bytes -= await d.settle(head);
  };
  let next: Promise<IteratorResult<Chunk>> | undefined;
  try {
    next = read.body.next();
    for (;;) {
      // While the network is quiet, pieces whose hash is back are written (and readable) at
      // once: on a slow link a reader would otherwise wait a whole message for its piece.
      const got = await nextEvent(net, next, pipeline[0]);
      if (got === HASHED) {
        await settleHead();
        continue;
      }
      if (got.done === true) {
        next = undefined;
        break;
      }
      for (const piece of asm.push(got.value.offset, got.value.data)) {
        bytes += piece.bytes.length; // before hash(): it transfers (detaches) the buffer
        pipeline.push(hash(d, piece));
      }
      // Pieces whose hash is back are written at once (in order); a full pipeline waits for its head.
      while (pipeline.length > 0 && (bytes > limit || pipeline[0]?.done === true)) await settleHead();
      next = read.body.next(); // only now: a transient chunk is valid until the next is asked for
    }
    asm.finish();
    while (pipeline.length > 0) await settleHead();
  } finally {
    next?.catch(() => undefined); // a read cut while the pipeline was being settled
    for (const h of pipeline) h.node.catch(() => undefined);
  }
}

/** The next chunk, or HASHED when the pipeline's head finished hashing first. */
function nextEvent(
  net: NetworkWait,
  next: Promise<IteratorResult<Chunk>>,
  head: Hashing | undefined,
): Promise<IteratorResult<Chunk> | typeof HASHED> {
  if (head === undefined || head.done) return net.wait(next);
  return net.wait(Promise.race([next, head.node.then(hashedFirst, hashedFirst)]));
}

/** Sends a piece to the pool (its buffer is transferred). */
function hash(d: PipelineDeps, piece: AssembledPiece): Hashing {
  const entry: Hashing = {
    index: piece.index,
    offset: piece.offset,
    done: d.pool.inline, // an inline pool has hashed it already
    node: d.pool.pieceNode(piece.bytes, d.pieceLength, d.size <= d.pieceLength),
  };
  entry.node.then(
    () => (entry.done = true),
    () => (entry.done = true), // observed in order by settle
  );
  return entry;
}
