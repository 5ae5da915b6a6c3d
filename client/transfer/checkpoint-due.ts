/**
 * When to make progress durable (docs/downloads.md "One attempt", step 4): fsync the
 * part, then store the new committed offset (or verified pieces). Pure; tested with a
 * table in test/client/transfer/checkpoint-due.test.ts.
 */

/** Input of {@link checkpointDue}. */
export interface CheckpointInput {
  /** Bytes received (or verified) since the last checkpoint. */
  readonly pendingBytes: number;
  /** Time since the last checkpoint, in ms. */
  readonly sinceLastMs: number;
  /** Checkpoint after this many bytes. @default 64 MiB (DOWNLOAD_DEFAULTS.checkpointBytes) */
  readonly checkpointBytes: number;
  /** Checkpoint after this long. @default 10 s (DOWNLOAD_DEFAULTS.checkpointMs) */
  readonly checkpointMs: number;
}

/**
 * True when a checkpoint is due: something is pending, and either enough bytes or enough
 * time has passed. Nothing pending never costs an fsync; a clock that went backwards
 * (negative `sinceLastMs`) only delays the time rule.
 */
export function checkpointDue(i: CheckpointInput): boolean {
  if (!(i.pendingBytes > 0)) return false;
  return i.pendingBytes >= i.checkpointBytes || i.sinceLastMs >= i.checkpointMs;
}
