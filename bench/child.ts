/**
 * Node child processes for servers and for the client worker, started with tsx
 * and spoken to over the IPC channel of `child_process.fork`.
 *
 * A child sends `{ type: "ready", info }` once it listens, or
 * `{ type: "unavailable", reason }` when the code it needs is not in the tree yet.
 */
import { fork, type ChildProcess } from "node:child_process";
import path from "node:path";
import { fileURLToPath } from "node:url";

/** Repository root (bench/ is one level below it). */
export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");

/** Message a child sends on start. */
export type StartMessage<I> = { type: "ready"; info: I } | { type: "unavailable"; reason: string };

/** A started child. */
export interface NodeChild<I> {
  /** OS process id, for /proc CPU and RSS readings. */
  readonly pid: number;
  /** What the child announced (URL, port, key…). */
  readonly info: I;
  /** The underlying process (for IPC requests). */
  readonly process: ChildProcess;
  /** Last lines the child wrote to stderr, for error messages. */
  stderrTail(): string;
  /** Whether the child has exited. */
  exited(): boolean;
  /** SIGTERM, then SIGKILL after `graceMs`; resolves once it has exited. @default graceMs 8000 */
  stop(graceMs?: number): Promise<void>;
  /** Asks a server child (see {@link exitOn}) to run a full GC; resolves false when it cannot. */
  gc(): Promise<boolean>;
}

/** Thrown when a child reports that the code under test is not there yet. */
export class UnavailableError extends Error {
  override readonly name = "UnavailableError";
}

/** Options for {@link startNodeChild}. */
export interface StartNodeChildOptions {
  /** Give up waiting for "ready" after this long. @default 60000 */
  readonly readyTimeoutMs?: number;
  /** Extra node flags, e.g. `--cpu-prof`. @default [] */
  readonly nodeArgs?: readonly string[];
}

/**
 * Forks `script` (relative to the repository root) with tsx, passing `params` as
 * JSON in argv[2], and waits for its start message.
 * Rejects with {@link UnavailableError} when the child says its code is missing.
 */
export async function startNodeChild<I>(
  script: string,
  params: unknown,
  options: StartNodeChildOptions = {},
): Promise<NodeChild<I>> {
  const child = fork(path.join(REPO_ROOT, script), [JSON.stringify(params)], {
    cwd: REPO_ROOT,
    // --expose-gc only lets the harness ask for a collection before reading RSS; it changes nothing else.
    execArgv: ["--import", "tsx", "--expose-gc", ...(options.nodeArgs ?? [])],
    stdio: ["ignore", "ignore", "pipe", "ipc"],
    env: { ...process.env, NODE_ENV: "production" },
  });
  let stderr = "";
  child.stderr?.setEncoding("utf8");
  child.stderr?.on("data", (d: string) => {
    stderr = (stderr + d).slice(-4000);
  });
  let exited = false;
  const exitPromise = new Promise<void>((resolve) => {
    child.once("exit", () => {
      exited = true;
      resolve();
    });
  });
  // Generous grace: a child closing its server and writing a --cpu-prof profile must not be killed mid-write.
  const stop = async (graceMs = 8000): Promise<void> => {
    if (exited) return;
    child.kill("SIGTERM");
    const timer = setTimeout(() => {
      if (!exited) child.kill("SIGKILL");
    }, graceMs);
    await exitPromise;
    clearTimeout(timer);
  };
  const timeoutMs = options.readyTimeoutMs ?? 60_000;
  const start = await new Promise<StartMessage<I>>((resolve, reject) => {
    const timer = setTimeout(() => {
      cleanup();
      reject(new Error(`${script} did not start within ${timeoutMs} ms${tail(stderr)}`));
    }, timeoutMs);
    const onMessage = (msg: unknown): void => {
      const m = msg as StartMessage<I>;
      if (m && (m.type === "ready" || m.type === "unavailable")) {
        cleanup();
        resolve(m);
      }
    };
    const onExit = (code: number | null, signal: string | null): void => {
      cleanup();
      reject(new Error(`${script} exited before it was ready (code ${code}, signal ${signal})${tail(stderr)}`));
    };
    const cleanup = (): void => {
      clearTimeout(timer);
      child.off("message", onMessage);
      child.off("exit", onExit);
    };
    child.on("message", onMessage);
    child.on("exit", onExit);
  }).catch(async (err: unknown) => {
    await stop(500);
    throw err;
  });
  if (start.type === "unavailable") {
    await stop(500);
    throw new UnavailableError(start.reason);
  }
  const gc = (): Promise<boolean> =>
    new Promise((resolve) => {
      if (exited) {
        resolve(false);
        return;
      }
      const timer = setTimeout(() => done(false), 5000);
      const onMessage = (m: unknown): void => {
        if ((m as { type?: string } | null)?.type === "gc-done") done(true);
      };
      const done = (ok: boolean): void => {
        clearTimeout(timer);
        child.off("message", onMessage);
        resolve(ok);
      };
      child.on("message", onMessage);
      child.send({ type: "gc" });
    });
  return {
    pid: child.pid as number,
    info: start.info,
    process: child,
    stderrTail: () => stderr,
    exited: () => exited,
    stop,
    gc,
  };
}

function tail(stderr: string): string {
  const t = stderr.trim().split("\n").slice(-8).join("\n");
  return t ? `:\n${t}` : "";
}

/** Child side: announces readiness to the parent. */
export function announceReady(info: unknown): void {
  process.send?.({ type: "ready", info });
}

/** Child side: tells the parent the code it needs is not there, then exits. */
export function announceUnavailable(reason: string): void {
  process.send?.({ type: "unavailable", reason }, undefined, undefined, () => process.exit(0));
}

/** Child side: the JSON params passed by {@link startNodeChild}. */
export function childParams<T>(): T {
  const raw = process.argv[2];
  if (!raw) throw new Error("this script is started by bench/run.ts with JSON params in argv[2]");
  return JSON.parse(raw) as T;
}

/**
 * Child side (servers): exit cleanly on SIGTERM after `close` (and when the parent
 * goes away), and answer `{ type: "gc" }` with a full collection when `--expose-gc` is on.
 */
export function exitOn(close: () => Promise<void> | void): void {
  process.on("message", (m: unknown) => {
    if ((m as { type?: string } | null)?.type !== "gc") return;
    const collect = (globalThis as { gc?: () => void }).gc;
    collect?.();
    process.send?.({ type: "gc-done" });
  });
  let closing = false;
  const shutdown = (): void => {
    if (closing) return;
    closing = true;
    const force = setTimeout(() => process.exit(0), 2000);
    force.unref();
    Promise.resolve()
      .then(close)
      .catch(() => {})
      .finally(() => process.exit(0));
  };
  process.on("SIGTERM", shutdown);
  process.on("disconnect", shutdown);
}
