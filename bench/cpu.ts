/**
 * CPU time and memory of another process, read from Linux /proc.
 *
 * Servers run as child processes so that their CPU seconds and RSS can be read
 * here without the harness's own work in the figures. /proc/<pid>/stat counts
 * every thread of the process (libuv's file-read threads included) in clock
 * ticks (`getconf CLK_TCK`, 100 on Linux/x86 and arm64).
 */
import { readFileSync } from "node:fs";

/** Clock ticks per second used by /proc/<pid>/stat. */
export const CLOCK_TICKS_PER_SECOND = 100;

/**
 * Parses the utime + stime fields (14 and 15) of a /proc/<pid>/stat line into seconds.
 * The command name (field 2) may contain spaces and parentheses, so fields are counted
 * from the last ")". Returns `undefined` for a malformed line.
 */
export function parseProcStatCpuSeconds(line: string): number | undefined {
  const close = line.lastIndexOf(")");
  if (close < 0) return undefined;
  const rest = line
    .slice(close + 1)
    .trim()
    .split(/\s+/);
  // rest[0] is field 3 (state); utime is field 14 → rest[11], stime field 15 → rest[12].
  const utime = Number(rest[11]);
  const stime = Number(rest[12]);
  if (!Number.isFinite(utime) || !Number.isFinite(stime) || rest.length < 13) return undefined;
  return (utime + stime) / CLOCK_TICKS_PER_SECOND;
}

/** Memory figures from /proc/<pid>/status, in bytes. */
export interface ProcMemory {
  /** Resident set size now (VmRSS). */
  readonly rss: number;
  /** Peak resident set size since start or since the last reset (VmHWM). */
  readonly peakRss: number;
}

/** Parses VmRSS and VmHWM (kB) out of /proc/<pid>/status text; `undefined` when absent. */
export function parseProcStatusMemory(text: string): ProcMemory | undefined {
  const rss = /^VmRSS:\s+(\d+)\s+kB/m.exec(text);
  const hwm = /^VmHWM:\s+(\d+)\s+kB/m.exec(text);
  if (!rss || !hwm) return undefined;
  return { rss: Number(rss[1]) * 1024, peakRss: Number(hwm[1]) * 1024 };
}

/** CPU seconds (user + system) used so far by process `pid`; `NaN` when it cannot be read. */
export function processCpuSeconds(pid: number): number {
  try {
    return parseProcStatCpuSeconds(readFileSync(`/proc/${pid}/stat`, "utf8")) ?? Number.NaN;
  } catch {
    return Number.NaN;
  }
}

/** Current and peak RSS of process `pid`; `undefined` when it cannot be read. */
export function processMemory(pid: number): ProcMemory | undefined {
  try {
    return parseProcStatusMemory(readFileSync(`/proc/${pid}/status`, "utf8"));
  } catch {
    return undefined;
  }
}

/** Samples a process's RSS on a timer and remembers the largest value seen. */
export interface RssSampler {
  /** Largest RSS seen so far, in bytes (0 when never readable). */
  peak(): number;
  /** Stops sampling and returns the peak. */
  stop(): number;
}

/**
 * Starts sampling `pid`'s VmRSS every `intervalMs` (VmHWM cannot be reset without
 * privileges on every kernel, so the peak of a phase is sampled instead).
 * @param intervalMs sampling period. @default 25
 */
export function sampleRss(pid: number, intervalMs = 25): RssSampler {
  let peak = 0;
  const tick = (): void => {
    const mem = processMemory(pid);
    if (mem && mem.rss > peak) peak = mem.rss;
  };
  tick();
  const timer = setInterval(tick, intervalMs);
  timer.unref();
  return {
    peak: () => peak,
    stop: () => {
      clearInterval(timer);
      tick();
      return peak;
    },
  };
}
