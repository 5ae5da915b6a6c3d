/**
 * Cuts a stream of chunks (any sizes, consecutive offsets) into whole pieces, each in a
 * buffer of its own (so it can be transferred to a hashing worker and written at its
 * offset). Pieces the job does not want (already verified) are skipped, not copied.
 * Pure apart from taking the piece buffers from piece-buffers.ts: a piece's buffer goes
 * back there once the write-behind has written it, so nothing may keep a piece's bytes
 * after pushing them to the write-behind.
 */
import { DownloadError } from "../errors.js";
import { acquirePieceBuffer } from "./piece-buffers.js";

/** A whole piece. */
export interface AssembledPiece {
  readonly index: number;
  readonly offset: number;
  /** Owns its ArrayBuffer (lent by piece-buffers.ts; given back after its write). */
  readonly bytes: Uint8Array;
}

/** Options of {@link createPieceAssembler}. */
export interface AssemblerOptions {
  /** First byte expected; a piece boundary. */
  readonly start: number;
  /** One past the last byte expected. */
  readonly end: number;
  readonly pieceLength: number;
  readonly size: number;
  /** Pieces to skip (their bytes are read past, not kept). */
  readonly skip: (index: number) => boolean;
}

/** The assembler. */
export interface PieceAssembler {
  /** Next byte expected. */
  readonly position: number;
  /** Takes a chunk; returns the pieces it completed, in order. Throws "protocol" on a gap or overrun. */
  push(offset: number, data: Uint8Array): AssembledPiece[];
  /** Throws "short-stream" unless every expected byte arrived. */
  finish(): void;
}

/** Creates an assembler for [start, end). */
export function createPieceAssembler(o: AssemblerOptions): PieceAssembler {
  if (o.start % o.pieceLength !== 0 || o.start > o.end || o.end > o.size) {
    throw new RangeError(`a piece read covers whole pieces: [${o.start}, ${o.end}) of ${o.size} at ${o.pieceLength}`);
  }
  let position = o.start;
  let current: { index: number; offset: number; bytes: Uint8Array; filled: number } | undefined;

  function open(index: number) {
    const offset = index * o.pieceLength;
    const length = Math.min(o.pieceLength, o.size - offset);
    current = o.skip(index) ? undefined : { index, offset, bytes: acquirePieceBuffer(length), filled: 0 };
  }

  return {
    get position() {
      return position;
    },
    push(offset, data) {
      if (offset !== position)
        throw new DownloadError("protocol", `the peer sent bytes at ${offset}, ${position} was next`);
      if (position + data.length > o.end)
        throw new DownloadError("protocol", "the peer sent more bytes than were asked");
      const done: AssembledPiece[] = [];
      let at = 0;
      while (at < data.length) {
        const index = Math.floor(position / o.pieceLength);
        const pieceEnd = Math.min(o.size, (index + 1) * o.pieceLength);
        // `start` is a piece boundary and bytes come in order, so every piece is opened at its first byte.
        if (position === index * o.pieceLength) open(index);
        const take = Math.min(data.length - at, pieceEnd - position);
        if (current !== undefined && current.index === index) {
          current.bytes.set(data.subarray(at, at + take), current.filled);
          current.filled += take;
        }
        at += take;
        position += take;
        if (position === pieceEnd && current !== undefined && current.index === index) {
          done.push({ index, offset: current.offset, bytes: current.bytes });
          current = undefined;
        }
      }
      return done;
    },
    finish() {
      if (position !== o.end)
        throw new DownloadError("short-stream", `the stream ended at ${position} of ${o.end} bytes`);
    },
  };
}
