/**
 * Runs the real `peer` CLI as a child process, from source (`node --import tsx
 * cli/entry.ts`) or under `npm test` from a bundle of the same sources
 * (peer-command.ts), and parses its JSON lines.
 */
import { spawn, type ChildProcessWithoutNullStreams } from "node:child_process";
import { PEER_NODE_ARGS } from "./peer-command.js";

/** A finished CLI run. */
export interface CliRun {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stdout: string;
  readonly stderr: string;
  /** stdout lines that parsed as JSON objects. */
  readonly lines: Array<Record<string, unknown>>;
  /** stdout lines that did not. */
  readonly otherLines: string[];
}

/** A running CLI. */
export interface CliChild {
  readonly child: ChildProcessWithoutNullStreams;
  /** JSON lines so far. */
  readonly lines: Array<Record<string, unknown>>;
  /** Resolves when the process exits. */
  readonly done: Promise<CliRun>;
}

/** Quotes one argument for sh. */
const shQuote = (a: string) => `'${a.replaceAll("'", "'\\''")}'`;

/**
 * Starts `peer <args>`; stdout is a pipe, so output is JSON lines. `pty`: run it on a terminal
 * (util-linux `script`), stdout and stderr then both arrive on stdout, as a user sees them.
 */
export function spawnCli(
  args: readonly string[],
  options: { cwd: string; env?: Record<string, string>; pty?: boolean },
): CliChild {
  const argv = [process.execPath, ...PEER_NODE_ARGS, ...args];
  const [file, ...rest] = options.pty
    ? ["script", "-qefc", argv.map(shQuote).join(" "), "/dev/null"]
    : (argv as [string, ...string[]]);
  const child = spawn(file as string, rest, {
    cwd: options.cwd,
    env: { ...process.env, PEER_KEY: "", PEER_DATA_DIR: "", ...options.env },
    stdio: ["pipe", "pipe", "pipe"],
  });
  const lines: Array<Record<string, unknown>> = [];
  const otherLines: string[] = [];
  let stdout = "";
  let stderr = "";
  let pending = "";
  child.stdout.setEncoding("utf8");
  child.stderr.setEncoding("utf8");
  child.stdout.on("data", (s: string) => {
    stdout += s;
    pending += s;
    for (let i = pending.indexOf("\n"); i >= 0; i = pending.indexOf("\n")) {
      const line = pending.slice(0, i);
      pending = pending.slice(i + 1);
      if (line.trim() === "") continue;
      try {
        lines.push(JSON.parse(line) as Record<string, unknown>);
      } catch {
        otherLines.push(line);
      }
    }
  });
  child.stderr.on("data", (s: string) => {
    stderr += s;
  });
  const done = new Promise<CliRun>((resolve) => {
    child.on("close", (code, signal) => resolve({ code, signal, stdout, stderr, lines, otherLines }));
  });
  return { child, lines, done };
}

/** Runs `peer <args>` to completion. */
export function runCli(
  args: readonly string[],
  options: { cwd: string; env?: Record<string, string> },
): Promise<CliRun> {
  return spawnCli(args, options).done;
}
