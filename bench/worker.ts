/**
 * Harness side of the client worker: start it, send tasks, await replies.
 */
import { startNodeChild, type NodeChild } from "./child.js";
import type { ProbeResult, TaskResult, WorkerReply, WorkerTask } from "./worker-protocol.js";

/** Error from a worker task; `unavailable` marks code that is not in the tree yet. */
export class WorkerTaskError extends Error {
  override readonly name = "WorkerTaskError";
  constructor(
    message: string,
    /** The task needs code that is not there (report "not available"). */
    readonly unavailable: boolean,
  ) {
    super(message);
  }
}

/** A running client worker. */
export interface ClientWorker {
  /** Its process id (for RSS sampling). */
  readonly pid: number;
  /** Runs a timed task. */
  run(task: Exclude<WorkerTask, { kind: "probe" }>): Promise<TaskResult>;
  /** Asks which client modules can be loaded. */
  probe(): Promise<ProbeResult>;
  /** Stops the worker. */
  stop(): Promise<void>;
}

/** Starts bench/client-worker.ts as a child process, with extra Node flags (e.g. `--cpu-prof`). */
export async function startClientWorker(nodeArgs: readonly string[] = []): Promise<ClientWorker> {
  const child: NodeChild<{ pid: number }> = await startNodeChild("bench/client-worker.ts", {}, { nodeArgs });
  let nextId = 1;
  const pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
  child.process.on("message", (msg: WorkerReply) => {
    const p = pending.get(msg.id);
    if (!p) return;
    pending.delete(msg.id);
    if (msg.ok) p.resolve(msg.result);
    else p.reject(new WorkerTaskError(msg.error, msg.unavailable === true));
  });
  child.process.on("exit", (code, signal) => {
    for (const p of pending.values()) {
      p.reject(
        new WorkerTaskError(
          `client worker exited (code ${code}, signal ${signal})${child.stderrTail().slice(-1000)}`,
          false,
        ),
      );
    }
    pending.clear();
  });
  const send = (task: WorkerTask): Promise<unknown> =>
    new Promise((resolve, reject) => {
      if (child.exited()) {
        reject(new WorkerTaskError("client worker is not running", false));
        return;
      }
      const id = nextId++;
      pending.set(id, { resolve, reject });
      child.process.send({ id, task });
    });
  return {
    pid: child.pid,
    run: (task) => send(task) as Promise<TaskResult>,
    probe: () => send({ kind: "probe" }) as Promise<ProbeResult>,
    stop: () => child.stop(),
  };
}
