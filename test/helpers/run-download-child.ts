/**
 * Spawns test/helpers/download-child.ts (one download through the SDK in its own process,
 * one JSON event per line) for kill -9 tests; the output and the parsed events stay readable.
 */
import { spawn, type ChildProcess } from "node:child_process";
import path from "node:path";
import { fileURLToPath } from "node:url";

const CHILD = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "download-child.ts");

/** A running download child. */
export interface DownloadChild {
  readonly child: ChildProcess;
  /** Resolves when it exits (code, or the signal that killed it). */
  readonly done: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** Its stdout and stderr so far. */
  output(): string;
  /** Its events so far (the JSON lines of stdout). */
  events(): Array<Record<string, unknown>>;
}

/** Starts a child with `config` (see download-child.ts `ChildConfig`). */
export function runDownloadChild(config: Record<string, unknown>): DownloadChild {
  const child = spawn(process.execPath, ["--import", "tsx", CHILD], {
    env: { ...process.env, PEER_CHILD_CONFIG: JSON.stringify(config) },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let out = "";
  child.stdout?.on("data", (d: Buffer) => (out += d.toString()));
  child.stderr?.on("data", (d: Buffer) => (out += d.toString()));
  const done = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.on("close", (code, signal) => resolve({ code, signal })),
  );
  const events = () =>
    out
      .split("\n")
      .filter((l) => l.startsWith("{"))
      .map((l) => JSON.parse(l) as Record<string, unknown>);
  return { child, done, output: () => out, events };
}
