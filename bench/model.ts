/**
 * The shapes of benchmark results, shared by the groups, the report and the JSON file.
 */
import type { Goal, Spread } from "./stats.js";
import type { GroupName } from "./options.js";

/** How a target ended. */
export type TargetStatus = "ok" | "unavailable" | "failed" | "skipped";

/** One timed sample of a throughput target. */
export interface Sample {
  /** Wall seconds of the transfer. */
  readonly seconds: number;
  /** Payload bytes moved. */
  readonly bytes: number;
  /** Server CPU seconds during the sample (NaN when unknown). */
  readonly serverCpuSeconds: number;
  /** Client CPU seconds during the sample (NaN when unknown, e.g. curl). */
  readonly clientCpuSeconds: number;
}

/** Result of one throughput target across the run. */
export interface ThroughputResult {
  readonly group: GroupName;
  /** Stable id, e.g. "http.full.nginx". */
  readonly id: string;
  /** Human label for the table. */
  readonly label: string;
  readonly status: TargetStatus;
  /** Why it is not "ok". */
  readonly reason?: string | undefined;
  readonly samples: readonly Sample[];
  /** MiB/s over the samples. */
  readonly mibps: Spread;
  /** Median server CPU s/GiB. */
  readonly serverCpuPerGiB: number;
  /** Median client CPU s/GiB (NaN for curl). */
  readonly clientCpuPerGiB: number;
  /** Ratios of this target's median MiB/s to other targets' medians of the same run. */
  readonly ratios: readonly RatioResult[];
}

/** A comparison "this / that" from one run, with the goal when there is one. */
export interface RatioResult {
  /** Id of the target compared with. */
  readonly baseId: string;
  /** Short name of the base, e.g. "nginx". */
  readonly baseLabel: string;
  /** The ratio of medians (NaN when either is missing). */
  readonly value: number;
  readonly goal?: Goal | undefined;
  /** Whether the goal is met; undefined without goal or value. */
  readonly met?: boolean | undefined;
}

/** A non-throughput measurement (memory, resume cost, files/s). */
export interface MetricResult {
  readonly group: GroupName;
  readonly id: string;
  readonly label: string;
  readonly status: TargetStatus;
  readonly reason?: string | undefined;
  /** The figure; NaN when not measured. */
  readonly value: number;
  /** Unit, e.g. "MiB", "files/s", "bytes". */
  readonly unit: string;
  readonly goal?: Goal | undefined;
  readonly met?: boolean | undefined;
  /** Supporting numbers (all samples, baseline RSS…). */
  readonly detail?: Record<string, number | string> | undefined;
}

/** Everything one group produced. */
export interface GroupResult {
  readonly group: GroupName;
  /** Heading for the report. */
  readonly title: string;
  /** What was measured, in one or two sentences. */
  readonly description: string;
  readonly throughput: readonly ThroughputResult[];
  readonly metrics: readonly MetricResult[];
  /** Notes such as "nginx not installed: baseline skipped". */
  readonly notes: readonly string[];
}
