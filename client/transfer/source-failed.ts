/**
 * After a source's read failed (docs/downloads.md "Sources"): a refusal bans or drops it
 * (or ends the attempt when it was the last source); another failure is decided by
 * retry/source-failure.ts — back off, drop, or end the attempt.
 */
import { DownloadError, classify } from "../errors.js";
import type { BackoffOptions } from "../retry/backoff.js";
import { decideSourceFailure, type SourceFailureDecision } from "../retry/source-failure.js";
import { SourceRefused } from "./source-refused.js";
import type { SourceRun } from "./source-run.js";

/** What applying a failure needs. */
export interface FailureContext {
  /** Sources other than the failed one that are neither banned nor dropped. */
  readonly others: number;
  readonly now: () => number;
  readonly backoff: Pick<BackoffOptions, "baseMs" | "capMs" | "maxHintMs">;
  readonly random: () => number;
  readonly onSourceFailed: (run: SourceRun, error: DownloadError, decision: SourceFailureDecision) => void;
  /** Bans the source (its read stops, its pieces go to the others). */
  readonly ban: (run: SourceRun, reason: string) => Promise<void>;
}

/** Applies a failed read to its source's state; rethrows when it ends the attempt. */
export async function applySourceFailure(run: SourceRun, err: unknown, x: FailureContext): Promise<void> {
  if (err instanceof SourceRefused) return refused(run, err, x);
  const error = classify(err);
  run.failures++;
  run.lastError = error;
  const decision = decideSourceFailure({
    error,
    failures: run.failures,
    othersUsable: x.others,
    backoff: x.backoff,
    random: x.random,
  });
  x.onSourceFailed(run, error, decision);
  if (decision.kind === "end-attempt") throw err;
  if (decision.kind === "drop") {
    run.state = "unusable";
    run.reason = decision.reason;
  } else {
    run.state = "waiting";
    run.retryAt = x.now() + decision.delayMs;
  }
}

/** A source's answer ruled it out: ban or drop it, or end the attempt when no other remains. */
async function refused(run: SourceRun, err: SourceRefused, x: FailureContext): Promise<void> {
  if (x.others === 0) throw new DownloadError("protocol", `${run.source.url}: ${err.message}`);
  if (err.verdict === "ban") return x.ban(run, err.message);
  run.state = "unusable";
  run.reason = err.message;
  x.onSourceFailed(run, new DownloadError("protocol", err.message), { kind: "drop", reason: err.message });
}
