/** `peer serve`: share directories over PeerService and the HTTP file route. */
import path from "node:path";
import { type Command, Option } from "commander";
import type { Logger } from "pino";
import type { PeerServer } from "../server/index.js";
import {
  argParser,
  CliError,
  databaseDisplay,
  databaseOption,
  dataDirOption,
  parsePositiveInteger,
  repeatableArgParser,
  resolveDataDir,
  usageError,
  writeErr,
  writeOut,
} from "./common.js";
import { ensureExampleShare, ensureFirstKey, FIRST_RUN_EXAMPLE_FILE, FIRST_RUN_SHARE_DIR } from "./first-run.js";
import { firstRunText } from "./first-run-text.js";
import { type ListenAddress, parseListenAddress } from "./listen-address.js";
import { parsePublicUrl } from "../server/internal.js";
import { parseShareSpec, shareForDir, type ShareSpec } from "./share-spec.js";
import { growthFactorFor, setGrowthFactor } from "./young-generation.js";

/** Options of `peer serve`. */
interface ServeOptions {
  share?: ShareSpec[];
  listen: ListenAddress;
  dataDir: string;
  database?: string;
  tlsCert?: string;
  tlsKey?: string;
  firstRun?: boolean;
  logLevel: string;
  maxStreams?: number;
  maxStreamsPerKey?: number;
  maxConnections?: number;
  publicUrl?: string;
  downloads?: string;
}

/** Repeated signals within this time of the first are the same request to stop. */
const REPEAT_SIGNAL_GRACE_MS = 1000;

const LOG_LEVELS = ["fatal", "error", "warn", "info", "debug", "trace", "silent"];

/** Registers `peer serve`. */
export function register(program: Command): void {
  program
    .command("serve")
    .description("share directories read-only with other peers (Connect, gRPC, gRPC-Web and HTTP on one port)")
    .argument("[dir]", 'a directory to share under its own name (e.g. ~/Videos → share "Videos")')
    .addOption(
      new Option("--share <name=dir>", "share a directory under a name (repeatable)").argParser(
        repeatableArgParser(parseShareSpec),
      ),
    )
    .addOption(
      new Option("--listen <host:port>", "address to listen on; port 0 picks a free port")
        .argParser(argParser((text) => parseListenAddress(text)))
        .default({ host: "127.0.0.1", port: 8080 }, "127.0.0.1:8080"),
    )
    .addOption(dataDirOption())
    .addOption(databaseOption())
    .option("--tls-cert <file>", "PEM certificate: serve TLS (ALPN h2 and http/1.1) instead of cleartext")
    .option("--tls-key <file>", "PEM private key of --tls-cert")
    .option(
      "--first-run",
      `with no share given, serve ./${FIRST_RUN_SHARE_DIR} (created with an example file); with no key yet, create one and print ready-to-paste commands`,
    )
    .addOption(
      new Option("--max-streams-per-key <n>", "concurrent file reads per API key (default: 8)").argParser(
        argParser(parsePositiveInteger),
      ),
    )
    .addOption(
      new Option("--max-streams <n>", "concurrent file reads on the whole server (default: 64)").argParser(
        argParser(parsePositiveInteger),
      ),
    )
    .addOption(
      new Option(
        "--max-connections <n>",
        "open connections at most; more get a 503 and are closed (default: min(1024, open-files limit - max streams - 64))",
      ).argParser(argParser(parsePositiveInteger)),
    )
    .addOption(
      new Option(
        "--public-url <url>",
        "base URL of share links and torrents, e.g. behind a proxy (default: the listen address)",
      ).argParser(argParser(parsePublicUrl)),
    )
    .option(
      "--downloads <dir>",
      "also run the download queue, every destination inside <dir>, driven over DownloadService and /api/v2/ by keys with the downloads scope (docs/service.md)",
    )
    .addOption(
      new Option("--log-level <level>", "log level of the JSON lines on stderr")
        .choices(LOG_LEVELS)
        .env("PEER_LOG_LEVEL")
        .default("info"),
    )
    .addHelpText("after", SERVE_HELP)
    .action(runServe);
}

/** `peer serve`'s action: the shares, TLS and the data dir checked, the server (and the download service) started, run until a signal. */
async function runServe(dir: string | undefined, options: ServeOptions, command: Command): Promise<void> {
  setGrowthFactor(growthFactorFor({ command: "serve" })); // a long-lived server keeps V8's own young generation
  const shares = await resolveShares(dir, options, command);
  if ((options.tlsCert === undefined) !== (options.tlsKey === undefined)) {
    usageError(command, "TLS needs both --tls-cert and --tls-key");
  }
  const tls =
    options.tlsCert !== undefined && options.tlsKey !== undefined
      ? { certFile: path.resolve(options.tlsCert), keyFile: path.resolve(options.tlsKey) }
      : undefined;
  const dataDir = resolveDataDir(options.dataDir);
  // Loaded here, not at the top: `--help` and usage errors stay fast.
  // pino's default export: the bundle (scripts/build.mjs) gives a CommonJS package no named exports.
  const [{ startPeerServer }, { default: pino }, service] = await Promise.all([
    import("../server/index.js"),
    import("pino"),
    options.downloads === undefined ? undefined : import("../service/index.js"),
  ]);
  const logger: Logger = pino({ name: "peer", level: options.logLevel }, pino.destination({ dest: 2, sync: true }));

  let server: PeerServer;
  try {
    server = await startPeerServer({
      shares: shares.map((s) => ({ name: s.name, dir: path.resolve(s.dir) })),
      dataDir,
      databaseUrl: options.database,
      host: options.listen.host,
      port: options.listen.port,
      tls,
      logger,
      maxStreams: options.maxStreams,
      maxStreamsPerKey: options.maxStreamsPerKey,
      maxConnections: options.maxConnections,
      publicUrl: options.publicUrl,
      extension:
        service === undefined || options.downloads === undefined
          ? undefined
          : service.downloadServiceExtension({
              downloadDir: path.resolve(options.downloads),
              dataDir,
              databaseUrl: options.database,
              publicUrl: options.publicUrl,
            }),
    });
  } catch (error) {
    throw new CliError(startFailure(error, options.listen), { cause: error });
  }
  await runUntilSignal(server, () => announce(server, shares, options, dataDir, tls?.certFile));
}

/** What a started `peer serve` says: the URL on stdout, the shares, data dir, downloads and database on stderr. */
async function announce(
  server: PeerServer,
  shares: readonly ShareSpec[],
  options: ServeOptions,
  dataDir: string,
  certFile: string | undefined,
): Promise<void> {
  writeOut(`Listening on ${server.url}\n`);
  for (const s of shares) writeErr(`Sharing "${s.name}" from ${path.resolve(s.dir)}\n`);
  writeErr(`Data directory: ${dataDir}\n`);
  if (options.downloads !== undefined) writeErr(`Downloading into ${path.resolve(options.downloads)}\n`);
  if (databaseDisplay(options.database) !== undefined)
    writeErr(`Database: PostgreSQL at ${databaseDisplay(options.database)}\n`);
  if (options.firstRun) await printFirstRun(server, shares, certFile);
}

/** The shares from `[dir]`, `--share` and `--first-run`, checked for clashes. */
async function resolveShares(dir: string | undefined, options: ServeOptions, command: Command): Promise<ShareSpec[]> {
  const shares: ShareSpec[] = [...(options.share ?? [])];
  if (dir !== undefined) {
    const share = shareForDir(dir);
    if (share === undefined) usageError(command, `"${dir}" has no name to share it under; use --share NAME=${dir}`);
    shares.unshift(share);
  }
  if (shares.length === 0 && options.firstRun) {
    await ensureExampleShare(path.resolve(FIRST_RUN_SHARE_DIR));
    shares.push({ name: FIRST_RUN_SHARE_DIR, dir: FIRST_RUN_SHARE_DIR });
  }
  if (shares.length === 0)
    usageError(command, "nothing to share: give a directory (peer serve DIR) or --share NAME=DIR");
  const seen = new Set<string>();
  for (const s of shares) {
    if (seen.has(s.name))
      usageError(command, `the share name "${s.name}" is used twice; name them with --share NAME=DIR`);
    seen.add(s.name);
  }
  return shares;
}

/** Prints the first-run key (created now if the store has none) and example commands. */
async function printFirstRun(
  server: PeerServer,
  shares: readonly ShareSpec[],
  caFile: string | undefined,
): Promise<void> {
  const created = await ensureFirstKey(server.keys);
  const first = shares[0]?.name ?? FIRST_RUN_SHARE_DIR;
  let itemId = `${first}/${FIRST_RUN_EXAMPLE_FILE}`;
  if ((await server.catalog.stat(itemId)) === undefined) {
    const page = await server.catalog.list({ pageSize: 1 });
    itemId = page.items[0]?.id ?? `${first}/FILE`;
  }
  writeOut(
    firstRunText({
      url: server.url,
      key: created?.key,
      keyName: created?.name,
      keyId: created?.id,
      itemId,
      caFile,
    }),
  );
}

/**
 * Runs until SIGTERM or SIGINT, then closes the server gracefully (new calls
 * refused, running streams ended). A second signal exits at once with 1.
 */
async function runUntilSignal(server: PeerServer, started: () => Promise<void>): Promise<void> {
  let onSignal: (signal: NodeJS.Signals) => void = () => {};
  const stopped = new Promise<NodeJS.Signals>((resolve) => {
    onSignal = resolve;
  });
  process.once("SIGTERM", onSignal);
  process.once("SIGINT", onSignal);
  try {
    await started();
  } catch (error) {
    process.off("SIGTERM", onSignal);
    process.off("SIGINT", onSignal);
    await server.close();
    throw error;
  }
  const signal = await stopped;
  process.off("SIGTERM", onSignal);
  process.off("SIGINT", onSignal);
  // Ctrl-C under `npm start` can deliver SIGINT twice within milliseconds (the
  // terminal signals the process group, and a parent may forward it): only a
  // signal well after the first one means "stop now".
  const firstAt = Date.now();
  const force = () => {
    if (Date.now() - firstAt < REPEAT_SIGNAL_GRACE_MS) return;
    writeErr("peer: second signal, stopping now\n");
    process.exit(1);
  };
  process.on("SIGTERM", force);
  process.on("SIGINT", force);
  writeErr(`Received ${signal}, shutting down…\n`);
  try {
    await server.close();
  } finally {
    process.off("SIGTERM", force);
    process.off("SIGINT", force);
  }
  writeErr("Stopped.\n");
}

/** A message for a server that could not start. */
function startFailure(error: unknown, listen: ListenAddress): string {
  const code = (error as { code?: unknown } | null)?.code;
  const address = `${listen.host.includes(":") ? `[${listen.host}]` : listen.host}:${listen.port}`;
  if (code === "EADDRINUSE")
    return `${address} is already in use; stop the other server or pick another --listen HOST:PORT`;
  if (code === "EACCES") return `not allowed to listen on ${address}; use a port above 1023`;
  if (code === "EADDRNOTAVAIL") return `${listen.host} is not an address of this machine; check --listen`;
  return `cannot start the server: ${error instanceof Error ? error.message : String(error)}`;
}

/** `peer serve --help`'s closing text: examples and how it stops. */
const SERVE_HELP =
  "\nExamples:\n" +
  "  peer serve ~/Videos\n" +
  "  peer serve --share media=/srv/media --share docs=/srv/docs --listen 0.0.0.0:8443 \\\n" +
  "      --tls-cert cert.pem --tls-key key.pem\n" +
  "  peer serve ~/share --downloads ~/Downloads      # plus the download service (peer keys create --scope downloads)\n" +
  "Stops gracefully on SIGTERM or SIGINT (Ctrl-C); a second signal stops at once.\n";
