/**
 * The installed `peer` command as a user runs it (`node bin/peer.js`, which
 * runs the build in dist/): builds dist/ when a source is newer, creates a
 * key, and starts `peer serve` as its own process, timing until it listens.
 */
import { execFile, spawn, type ChildProcess } from "node:child_process";
import { readdirSync, statSync } from "node:fs";
import path from "node:path";
import { promisify } from "node:util";
import { REPO_ROOT } from "./child.js";

const exec = promisify(execFile);

/** Absolute path of bin/peer.js. */
export const PEER_BIN = path.join(REPO_ROOT, "bin", "peer.js");

function newestMtime(dir: string): number {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) newest = Math.max(newest, newestMtime(full));
    else if (/\.(ts|js|mjs)$/.test(entry.name)) newest = Math.max(newest, statSync(full).mtimeMs);
  }
  return newest;
}

/** Runs `npm run build` when dist/ is missing or older than a source; returns a note when it built. */
export async function ensureBuilt(log: (line: string) => void): Promise<string | undefined> {
  let built = 0;
  try {
    built = statSync(path.join(REPO_ROOT, "dist", "cli", "entry.js")).mtimeMs;
  } catch {
    built = 0;
  }
  // The hash workers are plain .js/.mjs; scripts/ holds the build itself.
  const sources = ["cli", "client", "server", "gen", "common", "scripts"]
    .map((d) => path.join(REPO_ROOT, d))
    .filter((d) => {
      try {
        return statSync(d).isDirectory();
      } catch {
        return false;
      }
    });
  if (built > 0 && Math.max(...sources.map(newestMtime)) <= built) return undefined;
  log("  building dist/ (npm run build): a source is newer than the build");
  await exec("npm", ["run", "build"], { cwd: REPO_ROOT });
  return "dist/ was rebuilt before measuring (a source was newer than the build)";
}

/** Creates an API key in `dataDir` with `peer keys create --json`. */
export async function createKey(dataDir: string): Promise<string> {
  const { stdout } = await exec(process.execPath, [
    PEER_BIN,
    "keys",
    "create",
    "--name",
    "bench",
    "--json",
    "--data-dir",
    dataDir,
  ]);
  const key = (JSON.parse(stdout) as { key?: unknown }).key;
  if (typeof key !== "string") throw new Error(`peer keys create printed no key: ${stdout}`);
  return key;
}

/** A running `peer serve`. */
export interface ServeProcess {
  readonly child: ChildProcess;
  readonly pid: number;
  readonly url: string;
  /** Seconds from spawn to "Listening on …". */
  readonly readySeconds: number;
  stop(): Promise<void>;
}

/** Starts `peer serve --share bench=<root>` on a free port and waits for it to listen. */
export async function startServe(root: string, dataDir: string, timeoutMs = 60_000): Promise<ServeProcess> {
  const t0 = performance.now();
  const child = spawn(
    process.execPath,
    [
      PEER_BIN,
      "serve",
      "--share",
      `bench=${root}`,
      "--listen",
      "127.0.0.1:0",
      "--data-dir",
      dataDir,
      "--log-level",
      "warn",
    ],
    {
      cwd: REPO_ROOT,
      stdio: ["ignore", "pipe", "pipe"],
    },
  );
  let out = "";
  let err = "";
  child.stderr?.setEncoding("utf8").on("data", (d: string) => (err = (err + d).slice(-4000)));
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`peer serve did not listen within ${timeoutMs} ms: ${err}`)),
      timeoutMs,
    );
    child.stdout?.setEncoding("utf8").on("data", (d: string) => {
      out += d;
      const m = /Listening on (\S+)/.exec(out);
      if (m?.[1] !== undefined) {
        clearTimeout(timer);
        resolve(m[1].replace(/\/+$/, ""));
      }
    });
    child.once("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`peer serve exited (${code}) before listening: ${err}`));
    });
  });
  const readySeconds = (performance.now() - t0) / 1000;
  return {
    child,
    pid: child.pid as number,
    url,
    readySeconds,
    stop: async () => {
      if (child.exitCode !== null) return;
      const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
      child.kill("SIGTERM");
      const timer = setTimeout(() => child.kill("SIGKILL"), 8000);
      await exited;
      clearTimeout(timer);
    },
  };
}
