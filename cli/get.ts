/**
 * `peer get <peer-url> <item-id>...`: downloads items through the download
 * engine. A progress bar per active download on a terminal; one JSON object per
 * line with --json or when stdout is not a terminal. Exit 0 only when every file
 * is complete and verified; Ctrl-C (SIGINT/SIGTERM) leaves every job resumable,
 * and running the same command again resumes at once. The engine is loaded when
 * the command runs, not when it is registered (docs/performance.md).
 */
import { type Command, Option } from "commander";
import type { ResolvedPeer } from "../client/internal.js";
import type { TransportKind } from "../client/internal.js";
import {
  argParser,
  CliError,
  databaseOption,
  dataDirOption,
  ExitCode,
  jsonOption,
  keyOption,
  resolveDataDir,
  usageError,
} from "./common.js";
import {
  concurrencyOption,
  DEFAULT_IDLE_TIMEOUT_SECONDS,
  idleTimeoutOption,
  onExistingOf,
  overwriteOption,
  perPeerOption,
  renameOption,
  transportOption,
} from "./download-options.js";
import { parseListenAddress, type ListenAddress } from "./listen-address.js";
import { resolvePeerArguments } from "./peer-target.js";
import { setTurbofan, turbofanFor } from "./optimizing-compiler.js";
import { growthFactorFor, setGrowthFactor } from "./young-generation.js";

/** Collects a repeatable option's values. */
function collect(value: string, previous: string[] | undefined): string[] {
  return [...(previous ?? []), value];
}

/** Options of `peer get`. */
interface GetOptions {
  out?: string;
  key?: string;
  concurrency?: number;
  perPeer?: number;
  transport?: string;
  idleTimeout?: number;
  json?: boolean;
  dataDir?: string;
  database?: string;
  source?: string[];
  mirror?: string[];
  overwrite?: boolean;
  rename?: boolean;
  sequential?: boolean;
  stream?: boolean;
  streamListen?: ListenAddress;
}

/** Registers `peer get`. */
export function register(program: Command): void {
  program
    .command("get")
    .description("download items from a peer (resumable, verified, retried)")
    .argument("<peer-url>", "the peer, e.g. http://127.0.0.1:8080, or a remote's name")
    .argument("<item-id...>", "item ids as listed by peer ls, e.g. share/dir/file.mkv, or a folder: share/dir/")
    .option("--out <dir>", "directory for the files (default: the current directory); a folder lands in <out>/<name>")
    .addOption(overwriteOption())
    .addOption(renameOption())
    .addOption(
      new Option(
        "--source <peer>",
        "another peer with the same content (repeatable; a URL or a remote's name; asked by pieces root)",
      ).argParser(collect),
    )
    .addOption(
      new Option(
        "--mirror <http-url>",
        "a plain HTTP(S) URL serving the same file with ranges (repeatable; one item id only; never trusted)",
      ).argParser(collect),
    )
    .option("--sequential", "fetch the pieces in order, the first and last early (kept with the job)")
    .option(
      "--stream",
      "serve the file, or a folder's files and a playlist, on a local URL while it downloads (one item id)",
    )
    .addOption(
      new Option(
        "--stream-listen <host:port>",
        "where --stream listens (default 127.0.0.1 with a free port)",
      ).argParser(argParser((t) => parseListenAddress(t, "127.0.0.1"))),
    )
    .addOption(keyOption())
    .addOption(concurrencyOption())
    .addOption(perPeerOption())
    .addOption(transportOption())
    .addOption(idleTimeoutOption("abort an attempt after this long without bytes (it is retried)"))
    .addOption(jsonOption())
    .addOption(dataDirOption())
    .addOption(databaseOption())
    .addHelpText("after", GET_HELP)
    .action(runGet);
}

/** `peer get`'s action: resolve the peers, check the arguments, run the downloads (and --stream), exit code. */
async function runGet(url: string, itemIds: string[], options: GetOptions, command: Command): Promise<void> {
  const { createDownloadManager } = await import("../client/index.js");
  const { EXIT_INTERRUPTED, runDownloads } = await import("./run-downloads.js");
  const { checkSourceArguments } = await import("./get-sources.js");
  const { enqueueAll } = await import("./get-enqueue.js");
  const use = { command: "get", transport: options.transport as TransportKind } as const;
  setGrowthFactor(growthFactorFor(use));
  setTurbofan(turbofanFor(use));
  const [primary, ...extra] = await resolvePeerArguments(command, [url, ...(options.source ?? [])], options);
  const { url: baseUrl, key } = primary as ResolvedPeer;
  const mirrors = options.mirror ?? [];
  const sources = extra.map((r) => ({ url: r.url, key: r.key, transport: options.transport as TransportKind }));
  const problem = checkSourceArguments({ primaryUrl: baseUrl, itemCount: itemIds.length, sources, mirrors });
  if (problem !== undefined) usageError(command, problem);
  const streaming = options.stream === true || options.streamListen !== undefined;
  if (streaming && itemIds.length !== 1)
    usageError(command, "--stream serves one item (a file or a folder): give one item id");
  const json = options.json === true || !process.stdout.isTTY;
  const onExisting = onExistingOf(options);
  const manager = createDownloadManager({
    dataDir: resolveDataDir(options.dataDir),
    databaseUrl: options.database,
    downloadDir: options.out ?? process.cwd(),
    concurrency: options.concurrency,
    perPeer: options.perPeer,
    transport: options.transport as TransportKind,
    idleTimeoutMs: (options.idleTimeout ?? DEFAULT_IDLE_TIMEOUT_SECONDS) * 1000,
    keys: [key, ...extra.map((r) => r.key)],
  });
  const stream = streaming ? await import("./get-stream.js") : undefined;
  const peerRef = { url: baseUrl, key, transport: options.transport as TransportKind };
  const served = stream?.createStreamHold(json, options.streamListen);
  const code = await runDownloads(
    manager,
    json,
    (m, fail, lookup, onFolder) =>
      enqueueAll(
        m,
        { itemIds, peerRef, served, options: { sources, mirrors, onExisting, sequential: options.sequential } },
        fail,
        lookup,
        onFolder,
      ),
    served?.hold,
  );
  await served?.close();
  if (code === EXIT_INTERRUPTED)
    throw new CliError("interrupted; every download stays resumable: run the same command again", {
      exitCode: EXIT_INTERRUPTED,
    });
  if (code !== ExitCode.ok) throw new CliError("not every file was downloaded and verified (see above)");
}

/** `peer get --help`'s closing text: where state lives, never-clobber, exit codes, folders, sources, --stream. */
const GET_HELP =
  "\nState (jobs, committed offsets) lives in <data-dir>/downloads.db; partial files are <file>.part next to\n" +
  "the destination. Interrupt at any time and run the same command again to resume.\n" +
  'A file already at the destination is never replaced: the same content is "already there" (nothing\n' +
  "fetched); other content stops that download unless --overwrite (replace it) or --rename (name (1).ext).\n" +
  "Exit codes: 0 every file complete and verified, 1 some failed or paused, 2 bad arguments, 130 interrupted.\n" +
  "Example: PEER_KEY=peer_… peer get http://127.0.0.1:8080 share/a.mkv share/b.iso --out ~/Downloads\n" +
  "\nA folder (a trailing /, or an id that is a folder on a peer that lists folders) is one folder job: every file\n" +
  "under it lands in <out>/<folder name>/<relative path>; files already downloaded here are copied, not fetched.\n" +
  "Example: peer get nas 'share/Shows/Season 1/' --out ~/Videos\n" +
  "\nSeveral sources: each --source peer (its remote's key, else --key) and each --mirror URL serves pieces of\n" +
  "the same file; every piece is checked against the pieces root, and a source that sends a bad one is banned.\n" +
  "Example: peer get nas share/film.mkv --source laptop --source http://10.0.0.7:8080 \\\n" +
  "           --mirror https://cdn.example.com/film.mkv\n" +
  "\nPlay while it downloads: --stream prints a local URL (mpv, VLC, ffplay, a browser); the pieces a player\n" +
  "reads are fetched first, only verified bytes are served, and it keeps serving after completion until Ctrl-C.\n" +
  "Example: peer get nas share/film.mkv --stream   then   mpv http://127.0.0.1:<port>/film.mkv\n" +
  "A folder (share/Shows/ --stream) serves each file at /<relative path> and a playlist at /: mpv http://127.0.0.1:<port>/\n";
