/**
 * Test helper: the file route mounted on a plain `http.createServer` and an
 * `http2.createServer` (h2c, prior knowledge), both on 127.0.0.1:0, over a
 * real directory catalog in a temp dir. Paths outside the route get a 404
 * marked `x-fallback: 1`, as connectNodeAdapter's fallback would.
 */
import { mkdtemp, rm, writeFile, mkdir } from "node:fs/promises";
import * as http from "node:http";
import * as http2 from "node:http2";
import type { AddressInfo } from "node:net";
import os from "node:os";
import path from "node:path";
import { pino } from "pino";
import type { Principal } from "../../../../server/auth/principal.js";
import type { Catalog } from "../../../../server/catalog/catalog.js";
import { createDirCatalog, type DigestSource } from "../../../../server/catalog/dir-catalog.js";
import { createFileRoute, type FileRouteOptions } from "../../../../server/http/serve-file.js";

/** The key the test servers accept. */
export const TEST_KEY = "test-key-0123456789";
/** The share name of the test servers. */
export const SHARE = "share";

/** Options of {@link startRouteServers}. */
export interface RouteServersOptions {
  /** Files to create in the share, by relative path. */
  readonly files: Readonly<Record<string, Buffer | string>>;
  /** Wraps the real catalog (e.g. to point an entry elsewhere). */
  readonly wrapCatalog?: (catalog: Catalog) => Catalog;
  /** Digests for the catalog. */
  readonly digests?: DigestSource;
  /** Passed to createFileRoute (authenticate replaces the TEST_KEY check). */
  readonly route?: Partial<Pick<FileRouteOptions, "limiter" | "chunkSize" | "authenticate" | "logger">>;
}

/** Running servers. */
export interface RouteServers {
  /** `http://127.0.0.1:port` of the HTTP/1.1 server. */
  readonly h1: string;
  /** `http://127.0.0.1:port` of the h2c server. */
  readonly h2: string;
  /** The share directory. */
  readonly shareDir: string;
  /** Closes both servers (and open sessions) and removes the temp dir. */
  close(): Promise<void>;
}

const principal: Principal = { keyId: "k-test", keyName: "test", scopes: ["read"] };

/** Starts both servers; close them in `after()`. */
export async function startRouteServers(options: RouteServersOptions): Promise<RouteServers> {
  const root = await mkdtemp(path.join(os.tmpdir(), "peer-http-"));
  const shareDir = path.join(root, SHARE);
  await mkdir(shareDir);
  for (const [rel, content] of Object.entries(options.files)) {
    const file = path.join(shareDir, ...rel.split("/"));
    await mkdir(path.dirname(file), { recursive: true });
    await writeFile(file, content);
  }
  const real = createDirCatalog([{ name: SHARE, dir: shareDir }], { digests: options.digests });
  const catalog = options.wrapCatalog ? options.wrapCatalog(real) : real;
  const route = createFileRoute({
    catalog,
    authenticate: async (key) => (key === TEST_KEY ? principal : undefined),
    logger: pino({ level: "silent" }),
    ...options.route,
  });
  const fallback = (res: http.ServerResponse | http2.Http2ServerResponse): void => {
    res.writeHead(404, { "x-fallback": "1", "content-length": "0" });
    res.end();
  };
  const s1 = http.createServer((req, res) => {
    if (!route(req, res)) fallback(res);
  });
  const s2 = http2.createServer((req, res) => {
    if (!route(req, res)) fallback(res);
  });
  const sessions = new Set<http2.ServerHttp2Session>();
  s2.on("session", (s) => {
    sessions.add(s);
    s.on("close", () => sessions.delete(s));
  });
  const listen = (s: http.Server | http2.Http2Server): Promise<string> =>
    new Promise((resolve) =>
      s.listen(0, "127.0.0.1", () => resolve(`http://127.0.0.1:${(s.address() as AddressInfo).port}`)),
    );
  const [h1, h2] = await Promise.all([listen(s1), listen(s2)]);
  let closed: Promise<void> | undefined;
  return {
    h1,
    h2,
    shareDir,
    close() {
      closed ??= (async () => {
        s1.closeAllConnections();
        for (const s of sessions) s.destroy();
        await Promise.all([new Promise((r) => s1.close(r)), new Promise((r) => s2.close(r))]);
        await rm(root, { recursive: true, force: true });
      })();
      return closed;
    },
  };
}
