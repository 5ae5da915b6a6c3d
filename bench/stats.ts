/**
 * Pure statistics for benchmark samples: medians, spreads and ratios.
 *
 * Samples on the 2-vCPU VMs spread ±30% within one run, so the report leans on
 * medians and on ratios between targets measured in the same run (issue 6).
 */

/** Summary of a list of numbers. */
export interface Spread {
  /** Middle value (mean of the two middle values for an even count). */
  readonly median: number;
  /** Smallest value. */
  readonly min: number;
  /** Largest value. */
  readonly max: number;
  /** How many values were summarised. */
  readonly count: number;
}

/** Median of `values`; `NaN` for an empty list. Does not modify its input. */
export function median(values: readonly number[]): number {
  const finite = values.filter((v) => Number.isFinite(v));
  if (finite.length === 0) return Number.NaN;
  const sorted = [...finite].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  if (sorted.length % 2 === 1) return sorted[mid] as number;
  return ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
}

/** Median, min and max of the finite values in `values` (all `NaN` when none). */
export function spread(values: readonly number[]): Spread {
  const finite = values.filter((v) => Number.isFinite(v));
  if (finite.length === 0) {
    return { median: Number.NaN, min: Number.NaN, max: Number.NaN, count: 0 };
  }
  return {
    median: median(finite),
    min: Math.min(...finite),
    max: Math.max(...finite),
    count: finite.length,
  };
}

/** `value / base`, or `NaN` when either is not a positive finite number. */
export function ratio(value: number, base: number): number {
  if (!Number.isFinite(value) || !Number.isFinite(base) || base <= 0 || value < 0) {
    return Number.NaN;
  }
  return value / base;
}

/** Bytes per second → MiB/s. */
export function mibPerSecond(bytes: number, seconds: number): number {
  if (!(seconds > 0) || !Number.isFinite(bytes)) return Number.NaN;
  return bytes / 1048576 / seconds;
}

/** CPU seconds spent per GiB moved; `NaN` when nothing was moved. */
export function cpuSecondsPerGiB(cpuSeconds: number, bytes: number): number {
  if (!(bytes > 0) || !Number.isFinite(cpuSeconds)) return Number.NaN;
  return cpuSeconds / (bytes / 1073741824);
}

/** Whether `value` satisfies a goal `comparator threshold`; `undefined` when `value` is not finite. */
export function meetsGoal(value: number, goal: Goal): boolean | undefined {
  if (!Number.isFinite(value)) return undefined;
  return goal.op === ">=" ? value >= goal.threshold : value <= goal.threshold;
}

/** A target from issue 6, e.g. "≥ 0.9 × nginx" or "≤ 64 MiB". */
export interface Goal {
  /** Direction of the comparison. */
  readonly op: ">=" | "<=";
  /** The threshold, in the unit of the measured value. */
  readonly threshold: number;
}
