/**
 * Our server (server/index.ts `startPeerServer`) as a child process, sharing the
 * bench files as share "bench", with one fresh API key. When the server code is
 * not in the tree yet, announces "unavailable" so targets are reported as such.
 */
import { pino } from "pino";
import { announceReady, announceUnavailable, childParams, exitOn } from "../child.js";

/** Params passed by the harness. */
export interface PeerServerParams {
  /** Directory shared as "bench". */
  readonly root: string;
  /** Server data dir (SQLite). */
  readonly dataDir: string;
  /** Stream limits, raised so 32 stalled readers are all served rather than refused. */
  readonly maxStreams: number;
  /** Share links to create (item ids), announced as URLs for clients that take no header (aria2c mirrors). @default none */
  readonly linkTargets?: readonly string[];
}

/** What the child announces. */
export interface PeerServerInfo {
  readonly url: string;
  readonly key: string;
  /** One URL per `linkTargets` entry. */
  readonly links?: readonly string[];
}

/** The part of server/index.ts the bench relies on (checked at run time). */
interface ServerModule {
  startPeerServer(options: Record<string, unknown>): Promise<{
    url: string;
    port: number;
    keys: { create(input: { name: string }): Promise<{ key: string }> | { key: string } };
    links: { create(input: { target: string }): Promise<{ token: string }> };
    close(): Promise<void>;
  }>;
}

const params = childParams<PeerServerParams>();
let mod: ServerModule;
try {
  const spec = "../../server/index.js";
  mod = (await import(spec)) as ServerModule;
} catch (err) {
  announceUnavailable(`server/index.ts cannot be loaded: ${(err as Error).message.split("\n")[0]}`);
  await new Promise(() => {});
  throw err;
}
if (typeof mod.startPeerServer !== "function") {
  announceUnavailable("server/index.ts does not export startPeerServer");
  await new Promise(() => {});
}
const server = await mod.startPeerServer({
  shares: [{ name: "bench", dir: params.root }],
  dataDir: params.dataDir,
  host: "127.0.0.1",
  port: 0,
  logger: pino({ level: "silent" }),
  maxStreams: params.maxStreams,
  maxStreamsPerKey: params.maxStreams,
});
const { key } = await server.keys.create({ name: "bench" });
const base = server.url.replace(/\/+$/, "");
const links: string[] = [];
for (const target of params.linkTargets ?? []) {
  const link = await server.links.create({ target });
  links.push(`${base}/v1/links/${link.token}/${encodeURIComponent(target.split("/").at(-1) ?? "")}`);
}
announceReady({ url: base, key, links } satisfies PeerServerInfo);
exitOn(() => server.close());
