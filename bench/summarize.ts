/**
 * Pure: turns raw samples of interleaved targets into results with medians,
 * CPU per GiB and ratios to other targets of the same run.
 */
import type { GroupName } from "./options.js";
import type { RatioResult, Sample, TargetStatus, ThroughputResult } from "./model.js";
import { cpuSecondsPerGiB, meetsGoal, median, mibPerSecond, ratio, spread, type Goal } from "./stats.js";

/** A comparison a target asks for. */
export interface Comparison {
  /** Id of the other target. */
  readonly baseId: string;
  /** Short name of the other target for the table. */
  readonly baseLabel: string;
  /** The goal for this ratio, if any. */
  readonly goal?: Goal | undefined;
}

/** Raw outcome of one target before summarising. */
export interface RawTarget {
  readonly group: GroupName;
  readonly id: string;
  readonly label: string;
  readonly status: TargetStatus;
  readonly reason?: string | undefined;
  readonly samples: readonly Sample[];
  readonly compare?: readonly Comparison[] | undefined;
}

/** Summarises raw targets; ratios use the median MiB/s of both targets. */
export function summarizeThroughput(raw: readonly RawTarget[]): ThroughputResult[] {
  const medians = new Map<string, number>();
  for (const t of raw) {
    if (t.status === "ok") medians.set(t.id, median(t.samples.map((s) => mibPerSecond(s.bytes, s.seconds))));
  }
  return raw.map((t) => {
    const mibps = spread(t.samples.map((s) => mibPerSecond(s.bytes, s.seconds)));
    const ratios: RatioResult[] = (t.compare ?? []).map((c) => {
      const value =
        t.status === "ok" ? ratio(medians.get(t.id) ?? Number.NaN, medians.get(c.baseId) ?? Number.NaN) : Number.NaN;
      return {
        baseId: c.baseId,
        baseLabel: c.baseLabel,
        value,
        goal: c.goal,
        met: c.goal ? meetsGoal(value, c.goal) : undefined,
      };
    });
    return {
      group: t.group,
      id: t.id,
      label: t.label,
      status: t.status,
      reason: t.reason,
      samples: t.samples,
      mibps,
      serverCpuPerGiB: median(t.samples.map((s) => cpuSecondsPerGiB(s.serverCpuSeconds, s.bytes))),
      clientCpuPerGiB: median(t.samples.map((s) => cpuSecondsPerGiB(s.clientCpuSeconds, s.bytes))),
      ratios,
    };
  });
}
