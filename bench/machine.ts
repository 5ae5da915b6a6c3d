/**
 * The machine a run happened on, printed and stored with every result:
 * figures from a 2-core VM and a workstation are not comparable.
 */
import os from "node:os";

/** What we record about the machine. */
export interface MachineInfo {
  /** Logical CPUs seen by Node. */
  readonly cores: number;
  /** First CPU's model string. */
  readonly cpuModel: string;
  /** `process.version`, e.g. "v20.20.0". */
  readonly node: string;
  /** 1, 5 and 15 minute load averages. */
  readonly loadavg: readonly [number, number, number];
  /** Total memory in MiB. */
  readonly memoryMiB: number;
  /** `os.platform()` + `os.release()`. */
  readonly os: string;
  /** Host name. */
  readonly hostname: string;
}

/** Reads the machine description now (load average changes during a run: call it at start and end). */
export function describeMachine(): MachineInfo {
  const cpus = os.cpus();
  const [l1, l5, l15] = os.loadavg();
  return {
    cores: os.availableParallelism?.() ?? cpus.length,
    cpuModel: cpus[0]?.model.trim() ?? "unknown",
    node: process.version,
    loadavg: [round2(l1 ?? 0), round2(l5 ?? 0), round2(l15 ?? 0)],
    memoryMiB: Math.round(os.totalmem() / 1048576),
    os: `${os.platform()} ${os.release()}`,
    hostname: os.hostname(),
  };
}

function round2(n: number): number {
  return Math.round(n * 100) / 100;
}
