/**
 * Test helper: runs the real `peer` command as a child process with stdin
 * closed and a clean environment. It runs the sources, or under `npm test` a
 * bundle of them built for that run (../helpers/peer-command.ts), so a test
 * never exercises a stale build; bin/peer.js itself is covered by
 * test/cli/bin.test.ts.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { PEER_NODE_ARGS } from "../helpers/peer-command.js";

export { PEER_NODE_ARGS } from "../helpers/peer-command.js";

/** How a finished `peer` run ended. */
export interface PeerResult {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** Options of {@link runPeer} and {@link startPeer}. */
export interface RunOptions {
  /** Working directory. */
  readonly cwd: string;
  /** Extra environment (PEER_* variables of the test runner are never inherited). */
  readonly env?: Record<string, string>;
  /** Kill the child after this long (a safety net against hung tests). @default 120000, 600000 for startServe */
  readonly timeoutMs?: number;
}

function childEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!k.startsWith("PEER_")) env[k] = v;
  return { ...env, NO_COLOR: "1", ...extra };
}

/** A running `peer` process. */
export interface PeerProcess {
  readonly child: ChildProcess;
  /** Everything written to stdout so far. */
  stdout(): string;
  /** Everything written to stderr so far. */
  stderr(): string;
  /** Resolves when stdout matches, rejects if the process exits first or after the timeout. */
  waitForStdout(pattern: RegExp, timeoutMs?: number): Promise<RegExpMatchArray>;
  /** Resolves when the process has exited. */
  readonly exited: Promise<PeerResult>;
  /** Sends a signal (if still running) and waits for the exit. */
  stop(signal?: NodeJS.Signals): Promise<PeerResult>;
}

/** Starts `peer <args>` and returns at once. */
export function startPeer(args: readonly string[], options: RunOptions): PeerProcess {
  const child = spawn(process.execPath, [...PEER_NODE_ARGS, ...args], {
    cwd: options.cwd,
    env: childEnv(options.env),
    stdio: ["ignore", "pipe", "pipe"],
  });
  let out = "";
  let err = "";
  const listeners = new Set<() => void>();
  child.stdout?.setEncoding("utf8").on("data", (chunk: string) => {
    out += chunk;
    for (const l of listeners) l();
  });
  child.stderr?.setEncoding("utf8").on("data", (chunk: string) => {
    err += chunk;
  });
  const killer = setTimeout(() => child.kill("SIGKILL"), options.timeoutMs ?? 120_000);
  const exited = new Promise<PeerResult>((resolve, reject) => {
    child.once("error", reject);
    child.once("close", (code, signal) => {
      clearTimeout(killer);
      for (const l of listeners) l();
      resolve({ code, signal, stdout: out, stderr: err });
    });
  });
  let done = false;
  void exited.then(() => {
    done = true;
  });
  return {
    child,
    stdout: () => out,
    stderr: () => err,
    exited,
    waitForStdout(pattern, timeoutMs = 60_000) {
      return new Promise((resolve, reject) => {
        const check = () => {
          const match = out.match(pattern);
          if (match !== null) finish(() => resolve(match));
          else if (done || child.exitCode !== null || child.signalCode !== null) {
            finish(() => reject(new Error(`peer exited before printing ${pattern}:\n${out}\n${err}`)));
          }
        };
        const timer = setTimeout(
          () => finish(() => reject(new Error(`timed out waiting for ${pattern}:\n${out}\n${err}`))),
          timeoutMs,
        );
        const finish = (fn: () => void) => {
          clearTimeout(timer);
          listeners.delete(check);
          fn();
        };
        listeners.add(check);
        check();
      });
    },
    async stop(signal = "SIGTERM") {
      if (!done && child.exitCode === null && child.signalCode === null) child.kill(signal);
      return exited;
    },
  };
}

/** Runs `peer <args>` to completion. */
export function runPeer(args: readonly string[], options: RunOptions): Promise<PeerResult> {
  return startPeer(args, options).exited;
}

/** Starts `peer serve <args> --listen 127.0.0.1:0` and waits for its URL. */
export async function startServe(args: readonly string[], options: RunOptions): Promise<PeerProcess & { url: string }> {
  // A server lives as long as its suite: only a safety net of 10 minutes (after() stops it).
  const proc = startPeer(["serve", ...args, "--listen", "127.0.0.1:0", "--log-level", "warn"], {
    timeoutMs: 600_000,
    ...options,
  });
  try {
    const match = await proc.waitForStdout(/^Listening on (\S+)$/m);
    return Object.assign(proc, { url: match[1] as string });
  } catch (error) {
    await proc.stop("SIGKILL");
    throw error;
  }
}
