/**
 * Runs a whole command as a child process under GNU time (`/usr/bin/time`),
 * which reports its wall time, CPU seconds (user + system, children included)
 * and peak RSS: what a user sees when they run `peer get` or `curl -o`.
 */
import { execFile, spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { promisify } from "node:util";

/** Where GNU time lives. */
export const GNU_TIME = "/usr/bin/time";

/** What one run measured. */
export interface TimedRun {
  readonly seconds: number;
  readonly cpuSeconds: number;
  readonly peakRssBytes: number;
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** Parses GNU time's `-f "%e %U %S %M"` line (seconds, user s, system s, max RSS KiB); undefined when malformed. */
export function parseGnuTime(text: string): { seconds: number; cpuSeconds: number; peakRssBytes: number } | undefined {
  const line = text.trim().split("\n").at(-1) ?? "";
  const parts = line.trim().split(/\s+/).map(Number);
  if (parts.length !== 4 || !parts.every(Number.isFinite)) return undefined;
  const [seconds, user, system, rssKiB] = parts as [number, number, number, number];
  return { seconds, cpuSeconds: user + system, peakRssBytes: rssKiB * 1024 };
}

/** Why timed runs cannot work here, or undefined. */
export function timedProcessUnavailable(): string | undefined {
  return existsSync(GNU_TIME) ? undefined : `${GNU_TIME} (GNU time) is not installed: apt-get install time`;
}

/** Runs `command args` to its end under GNU time; rejects when it cannot be measured. */
export async function runTimed(
  command: string,
  args: readonly string[],
  options: { cwd?: string; env?: NodeJS.ProcessEnv; timeoutMs?: number } = {},
): Promise<TimedRun> {
  const dir = await mkdtemp(path.join(os.tmpdir(), "peer-bench-time-"));
  const report = path.join(dir, "time.txt");
  try {
    const child = spawn(GNU_TIME, ["-o", report, "-f", "%e %U %S %M", command, ...args], {
      cwd: options.cwd,
      env: options.env ?? process.env,
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout.setEncoding("utf8").on("data", (d: string) => (stdout = (stdout + d).slice(-20_000)));
    child.stderr.setEncoding("utf8").on("data", (d: string) => (stderr = (stderr + d).slice(-20_000)));
    const timer = setTimeout(() => child.kill("SIGKILL"), options.timeoutMs ?? 600_000);
    const code = await new Promise<number>((resolve, reject) => {
      child.once("error", reject);
      child.once("close", (c) => resolve(c ?? -1));
    }).finally(() => clearTimeout(timer));
    const parsed = parseGnuTime(await readFile(report, "utf8").catch(() => ""));
    if (parsed === undefined)
      throw new Error(`${command} could not be timed (exit ${code}): ${stderr.trim().slice(-500)}`);
    return { ...parsed, code, stdout, stderr };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** Whether a command is on the PATH (a baseline tool such as wget or aria2c may be missing). */
export async function onPath(command: string): Promise<boolean> {
  return promisify(execFile)("sh", ["-c", `command -v ${command}`]).then(
    () => true,
    () => false,
  );
}
