/**
 * One read of a range of pieces from one source, opened and checked before a byte is used
 * (docs/downloads.md "Sources"). Whether it can be used is {@link checkPieceRead}: a mirror's
 * answer is checked by mirror-source.ts, a peer's by check-read-start.ts. A peer that
 * ignored the range and sent the whole file from 0 is used as is: pieces are written at
 * their own offsets (verified pieces are skipped).
 */
import { DownloadError } from "../errors.js";
import { checkReadStart } from "./check-read-start.js";
import { checkMirrorRead } from "./mirror-source.js";
import type { NetworkWait } from "./network-wait.js";
import type { OpenedRead } from "./read-source.js";
import type { TransferSource } from "./source-run.js";
import { SourceRefused } from "./source-refused.js";

/** What the check knows of the read it asked for. */
export interface PieceReadAsk {
  readonly kind: "peer" | "mirror";
  /** The etag the source serves the content under (undefined for a mirror). */
  readonly etag: string | undefined;
  readonly offset: number;
  readonly length: number;
  /** The file's size. */
  readonly size: number;
  readonly maxFileSize: number;
}

/** True when the read carries the whole file from 0; throws when it cannot be used. */
export function checkPieceRead(read: OpenedRead, ask: PieceReadAsk): boolean {
  if (ask.kind === "mirror") {
    const verdict = checkMirrorRead(read, { offset: ask.offset, length: ask.length }, ask.size);
    if (verdict.kind !== "ok") throw new SourceRefused(verdict.kind, verdict.reason);
    return false;
  }
  const expected = { size: ask.size, etag: ask.etag ?? null, sha256: null };
  const decision = checkReadStart(ask.offset, read.start, read.meta, expected, ask.maxFileSize);
  if (decision.kind !== "ok" && decision.kind !== "restart-with-body")
    throw new DownloadError(decision.kind, decision.reason);
  if (read.atEnd === true)
    throw new DownloadError("protocol", "the peer answered a piece read as if the file were complete");
  return decision.kind === "restart-with-body";
}

/** RPC message size for urgent pieces (a 1 MiB message arrives whole, 16 s on a 64 KiB/s link). */
export const URGENT_CHUNK_BYTES = 64 * 1024;

/** What {@link openPieceRead} asks for. */
export interface PieceReadRequest {
  readonly offset: number;
  readonly length: number;
  /** The file's size (for HTTP Content-Range checks). */
  readonly size: number;
  /** A read of urgent pieces (a reader waits for them): small messages. */
  readonly urgent: boolean;
  readonly signal: AbortSignal;
}

/** Opens a read of [offset, offset + length) from `source` under the idle timer. */
export function openPieceRead(source: TransferSource, r: PieceReadRequest, net: NetworkWait): Promise<OpenedRead> {
  return net.wait(
    source.openRead({
      itemId: source.itemId,
      offset: r.offset,
      length: r.length,
      ifMatch: source.etag,
      expectedSize: r.size,
      // A reader waits for urgent pieces: small messages, so each piece comes as soon as it is sent.
      chunkSize: r.urgent ? URGENT_CHUNK_BYTES : source.chunkSize,
      transient: true, // the pipeline copies every chunk into its piece before the next
      signal: r.signal,
    }),
  );
}
