/**
 * Runs throughput targets interleaved (A B C A B C …) after one untimed warm-up
 * each, reading the server's CPU seconds from /proc around every sample.
 * Interleaving spreads the VM's noise over all targets instead of letting one
 * target sit in a slow minute.
 */
import { processCpuSeconds } from "./cpu.js";
import type { GroupName } from "./options.js";
import type { Sample, TargetStatus } from "./model.js";
import type { Comparison, RawTarget } from "./summarize.js";

/** What one sample run returns. */
export interface RunOutcome {
  readonly seconds: number;
  readonly bytes: number;
  /** Client CPU seconds, when the client is ours to measure. */
  readonly clientCpuSeconds?: number | undefined;
}

/** A target to sample. */
export interface ThroughputTarget {
  readonly group: GroupName;
  readonly id: string;
  readonly label: string;
  /** Set when the target cannot run at all (code missing, nginx absent…). */
  readonly unavailable?: string | undefined;
  /** "skipped" instead of "unavailable" for optional baselines (nginx missing). @default "unavailable" */
  readonly unavailableStatus?: "unavailable" | "skipped";
  /** Process whose CPU is the server's. */
  readonly serverPid?: number | undefined;
  /** Runs one sample. */
  run(): Promise<RunOutcome>;
  /** Ratios to report. */
  readonly compare?: readonly Comparison[] | undefined;
  /** A failure of this target means the harness itself is broken (its own baselines). @default false */
  readonly harnessOwned?: boolean;
}

/** Options for {@link runInterleaved}. */
export interface InterleaveOptions {
  /** Timed rounds. */
  readonly samples: number;
  /** Untimed rounds first. @default 1 */
  readonly warmup?: number;
  /** Progress lines. */
  readonly log: (line: string) => void;
  /** Called with a harness-owned target's failure. */
  readonly onHarnessFailure: (message: string) => void;
}

/** A target fails for good after this many failed samples. */
const MAX_FAILURES = 2;

/** Samples all available targets in interleaved rounds. */
export async function runInterleaved(
  targets: readonly ThroughputTarget[],
  options: InterleaveOptions,
): Promise<RawTarget[]> {
  const state = targets.map((t) => ({
    target: t,
    status: (t.unavailable !== undefined ? (t.unavailableStatus ?? "unavailable") : "ok") as TargetStatus,
    reason: t.unavailable,
    samples: [] as Sample[],
    failures: 0,
    /** The last failed sample's message: the reason when no sample succeeded. */
    lastError: undefined as string | undefined,
  }));
  const warmup = options.warmup ?? 1;
  for (let round = -warmup; round < options.samples; round++) {
    for (const s of state) {
      if (s.status !== "ok") continue;
      const pid = s.target.serverPid;
      const cpu0 = pid !== undefined ? processCpuSeconds(pid) : Number.NaN;
      try {
        const out = await s.target.run();
        const cpu1 = pid !== undefined ? processCpuSeconds(pid) : Number.NaN;
        if (round >= 0) {
          s.samples.push({
            seconds: out.seconds,
            bytes: out.bytes,
            serverCpuSeconds: cpu1 - cpu0,
            clientCpuSeconds: out.clientCpuSeconds ?? Number.NaN,
          });
        }
        const mibps = out.bytes / 1048576 / out.seconds;
        options.log(`  ${round < 0 ? "warm-up" : `#${round + 1}`} ${s.target.label}: ${mibps.toFixed(0)} MiB/s`);
      } catch (err) {
        s.failures++;
        const message = (err as Error).message ?? String(err);
        s.lastError = message.slice(0, 500);
        options.log(`  ${s.target.label}: sample failed: ${message}`);
        if (s.failures >= MAX_FAILURES || round < 0) {
          s.status = "failed";
          s.reason = message.slice(0, 500);
          if (s.target.harnessOwned) options.onHarnessFailure(`${s.target.label}: ${message}`);
        }
      }
    }
  }
  return state.map((s) => ({
    group: s.target.group,
    id: s.target.id,
    label: s.target.label,
    status: s.status === "ok" && s.samples.length === 0 ? "failed" : s.status,
    reason: s.status === "ok" && s.samples.length === 0 ? s.lastError : s.reason,
    samples: s.samples,
    compare: s.target.compare,
  }));
}
