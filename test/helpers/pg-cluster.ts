/** A private PostgreSQL cluster for tests that stop and restart it (test/pg/start-cluster.sh). */
import { execFile } from "node:child_process";
import { mkdtemp } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";

const exec = promisify(execFile);
const SCRIPT = fileURLToPath(new URL("../pg/start-cluster.sh", import.meta.url));

/** A running private cluster. */
export interface PrivateCluster {
  /** Admin URL (database "postgres"). */
  readonly url: string;
  /** Stops the server, keeping its data (a restart: {@link PrivateCluster.start}). */
  halt(): Promise<void>;
  /** Starts it again on the same port. */
  start(): Promise<void>;
  /** Stops it and removes its directory. */
  remove(): Promise<void>;
}

/** Starts a private cluster in a new temp dir. */
export async function startPrivateCluster(): Promise<PrivateCluster> {
  const dir = await mkdtemp(path.join(os.tmpdir(), "peer-pg-private-"));
  const start = async () => {
    const { stdout } = await exec("bash", [SCRIPT, "start", dir], { timeout: 120_000 });
    const m = /PEER_TEST_DATABASE_URL=(\S+)/.exec(stdout);
    if (m?.[1] === undefined) throw new Error(`start-cluster.sh printed no URL: ${stdout}`);
    return m[1];
  };
  const url = await start();
  return {
    url,
    halt: async () => {
      await exec("bash", [SCRIPT, "halt", dir], { timeout: 120_000 });
    },
    start: async () => {
      await start();
    },
    remove: async () => {
      await exec("bash", [SCRIPT, "stop", dir], { timeout: 120_000 });
    },
  };
}
