/**
 * The transfer engine: one attempt of one download (docs/downloads.md "One attempt"). The
 * part file, write-behind, checkpoints, final step and keep-what-arrived are written once
 * (part-session.ts); the check plugged in decides whether the bytes are the file's: per
 * piece against a BEP 52 piece layer, from one or more sources (piece-engine.ts), or a
 * running SHA-256 over one read checked at the end, for a peer with no pieces root yet
 * (sha256-read.ts).
 */
import { runPieceTransfer } from "./piece-engine.js";
import { runSha256Transfer } from "./sha256-read.js";
import type { TransferOptions, TransferResult, TransferStats } from "./transfer-options.js";

export type {
  Checkpoint,
  PieceCheck,
  PieceSteer,
  Sha256Check,
  SteerLayout,
  TransferCheck,
  TransferHooks,
  TransferOptions,
  TransferResult,
  TransferStats,
} from "./transfer-options.js";
export type { TransferSource } from "./source-run.js";

/** Runs one attempt. Throws a DownloadError (or something `classify` understands); `stats` is filled even then. */
export function runTransfer(o: TransferOptions, stats: TransferStats): Promise<TransferResult> {
  return o.check.kind === "pieces" ? runPieceTransfer(o, o.check, stats) : runSha256Transfer(o, o.check, stats);
}
