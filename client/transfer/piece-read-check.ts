/**
 * Whether a read of a range of pieces can be used (docs/downloads.md "Sources"): a mirror's
 * answer is checked by mirror-source.ts, a peer's by check-read-start.ts. A peer that
 * ignored the range and sent the whole file from 0 is used as is: pieces are written at
 * their own offsets (verified pieces are skipped).
 */
import { DownloadError } from "../errors.js";
import { checkReadStart } from "./check-read-start.js";
import { checkMirrorRead } from "./mirror-source.js";
import type { OpenedRead } from "./read-source.js";
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
