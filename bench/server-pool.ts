/**
 * Starts the servers a run needs once, on first use, and stops them all at the
 * end. A server that cannot start becomes a reason string: its targets are
 * reported "not available" / "skipped" and the run goes on.
 */
import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { startNodeChild, UnavailableError, type NodeChild } from "./child.js";
import { findNginx, startNginx, type NginxServer } from "./nginx.js";
import type { PeerServerInfo } from "./servers/peer-server.js";
import { startClientWorker, type ClientWorker } from "./worker.js";

/** URLs of the stock connect-node server. */
export interface StockInfo {
  /** HTTP/1.1 listener. */
  readonly h1Url: string;
  /** Cleartext HTTP/2 listener. */
  readonly h2Url: string;
}

/** Either a running thing or why it is not running. */
export type Started<T> = { ok: true; value: T } | { ok: false; reason: string; missing: boolean };

/** Servers of one run. */
export interface ServerPool {
  /** nginx with sendfile (missing = nginx not installed). */
  nginx(): Promise<Started<NginxServer>>;
  /** Node pipeline server with the given read size. */
  pipeline(highWaterMark: number): Promise<Started<NodeChild<{ url: string }>>>;
  /** Stock connect-node ReadFile server. */
  stock(): Promise<Started<NodeChild<StockInfo>>>;
  /** Our server (missing = server code not in the tree). */
  peer(): Promise<Started<NodeChild<PeerServerInfo>>>;
  /** The shared client worker. */
  worker(): Promise<ClientWorker>;
  /** Starts a server outside the pool's cache (the memory group wants fresh processes); the caller stops it. */
  fresh: {
    nginx(): Promise<Started<NginxServer>>;
    pipeline(highWaterMark: number): Promise<Started<NodeChild<{ url: string }>>>;
    stock(): Promise<Started<NodeChild<StockInfo>>>;
    /** `linkTargets`: item ids to create share links for (announced in `info.links`). */
    peer(linkTargets?: readonly string[]): Promise<Started<NodeChild<PeerServerInfo>>>;
    worker(): Promise<ClientWorker>;
  };
  /** Stops everything the pool started. */
  stopAll(): Promise<void>;
}

/** Stream limit given to our server so 32 stalled readers are served, not refused. */
const BENCH_MAX_STREAMS = 256;

/** Options of {@link createServerPool}. */
export interface ServerPoolOptions {
  /** Extra flags for every Node child, e.g. `--cpu-prof`. @default [] */
  readonly nodeArgs?: readonly string[];
}

/** Creates a pool serving files from `root`. */
export function createServerPool(root: string, poolOptions: ServerPoolOptions = {}): ServerPool {
  const nodeArgs = poolOptions.nodeArgs ?? [];
  const stops: Array<() => Promise<void>> = [];
  const cache = new Map<string, Promise<unknown>>();

  function once<T>(key: string, start: () => Promise<T>): Promise<T> {
    let p = cache.get(key) as Promise<T> | undefined;
    if (!p) {
      p = start();
      cache.set(key, p);
    }
    return p;
  }

  async function guard<T>(start: () => Promise<T>, stop: (v: T) => Promise<void>, track: boolean): Promise<Started<T>> {
    try {
      const value = await start();
      if (track) stops.push(() => stop(value));
      return { ok: true, value };
    } catch (err) {
      return { ok: false, reason: (err as Error).message, missing: err instanceof UnavailableError };
    }
  }

  const starters = {
    nginx: (track: boolean): Promise<Started<NginxServer>> => {
      const bin = findNginx();
      if (!bin) {
        return Promise.resolve({
          ok: false,
          missing: true,
          reason: "nginx is not installed (apt-get install nginx-light); nginx baseline skipped",
        });
      }
      return guard(
        () => startNginx(bin, root),
        (s) => s.stop(),
        track,
      ).then((r) => (r.ok ? r : { ...r, reason: `nginx could not start: ${r.reason}` }));
    },
    pipeline: (hwm: number, track: boolean) =>
      guard(
        () =>
          startNodeChild<{ url: string }>(
            "bench/servers/pipeline-server.ts",
            { root, highWaterMark: hwm },
            { nodeArgs },
          ),
        (c) => c.stop(),
        track,
      ),
    stock: (track: boolean) =>
      guard(
        () => startNodeChild<StockInfo>("bench/servers/stock-server.ts", { root }, { nodeArgs }),
        (c) => c.stop(),
        track,
      ),
    peer: (track: boolean, linkTargets?: readonly string[]) =>
      guard(
        async () => {
          const dataDir = await mkdtemp(path.join(os.tmpdir(), "peer-bench-server-"));
          const child = await startNodeChild<PeerServerInfo>(
            "bench/servers/peer-server.ts",
            {
              root,
              dataDir,
              maxStreams: BENCH_MAX_STREAMS,
              linkTargets,
            },
            { nodeArgs },
          ).catch(async (err: unknown) => {
            await rm(dataDir, { recursive: true, force: true });
            throw err;
          });
          const stop = child.stop.bind(child);
          return Object.assign(child, {
            stop: async (graceMs?: number) => {
              await stop(graceMs);
              await rm(dataDir, { recursive: true, force: true });
            },
          });
        },
        (c) => c.stop(),
        track,
      ),
  };

  return {
    nginx: () => once("nginx", () => starters.nginx(true)),
    pipeline: (hwm) => once(`pipeline-${hwm}`, () => starters.pipeline(hwm, true)),
    stock: () => once("stock", () => starters.stock(true)),
    peer: () => once("peer", () => starters.peer(true)),
    worker: () =>
      once("worker", async () => {
        const w = await startClientWorker(nodeArgs);
        stops.push(() => w.stop());
        return w;
      }),
    fresh: {
      nginx: () => starters.nginx(false),
      pipeline: (hwm) => starters.pipeline(hwm, false),
      stock: () => starters.stock(false),
      peer: (linkTargets) => starters.peer(false, linkTargets),
      worker: () => startClientWorker(nodeArgs),
    },
    stopAll: async () => {
      await Promise.allSettled(
        stops
          .splice(0)
          .reverse()
          .map((s) => s()),
      );
    },
  };
}
