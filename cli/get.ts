/**
 * `peer get <peer-url> <item-id>...`: downloads items through the download
 * engine. A progress bar per active download on a terminal; one JSON object per
 * line with --json or when stdout is not a terminal. Exit 0 only when every file
 * is complete and verified; Ctrl-C (SIGINT/SIGTERM) leaves every job resumable,
 * and running the same command again resumes at once.
 */
import type { Command } from "commander";
import { Option } from "commander";
import {
  createDownloadManager,
  DownloadError,
  normalizePeerUrl,
  TRANSPORT_KINDS,
  classify,
  type Download,
  type DownloadManager,
  type TransportKind,
} from "../client/index.js";
import {
  argParser,
  databaseOption,
  dataDirOption,
  ExitCode,
  jsonOption,
  keyOption,
  parsePositiveInteger,
  resolveDataDir,
  usageError,
  writeErr,
} from "./common.js";
import cliProgress from "cli-progress";
import type { DownloadEvent } from "../client/index.js";
import { formatBytes } from "./format.js";
import { CliError, writeJsonLine, writeOut } from "./common.js";
import { StoreError } from "../common/store/store-error.js";

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
}

/** Exit code after SIGINT (128 + 2), as shells report it. */
export const EXIT_INTERRUPTED = 130;

/** Registers `peer get`. */
export function register(program: Command): void {
  program
    .command("get")
    .description("download items from a peer (resumable, verified, retried)")
    .argument("<peer-url>", "the peer, e.g. http://127.0.0.1:8080")
    .argument("<item-id...>", "item ids as listed by peer ls, e.g. share/dir/file.mkv")
    .option("--out <dir>", "directory for the files (default: the current directory)")
    .addOption(keyOption())
    .addOption(new Option("--concurrency <n>", "downloads at once").default(3).argParser(argParser(parsePositiveInteger)))
    .addOption(new Option("--per-peer <n>", "downloads at once from one peer").default(2).argParser(argParser(parsePositiveInteger)))
    .addOption(new Option("--transport <kind>", "how to reach the peer").choices([...TRANSPORT_KINDS]).default("connect"))
    .addOption(
      new Option("--idle-timeout <seconds>", "abort an attempt after this long without bytes (it is retried)")
        .default(60)
        .argParser(argParser(parsePositiveInteger)),
    )
    .addOption(jsonOption())
    .addOption(dataDirOption())
    .addOption(databaseOption())
    .addHelpText(
      "after",
      "\nState (jobs, committed offsets) lives in <data-dir>/downloads.db; partial files are <file>.part next to\n" +
        "the destination. Interrupt at any time and run the same command again to resume.\n" +
        "Exit codes: 0 every file complete and verified, 1 some failed or paused, 2 bad arguments, 130 interrupted.\n" +
        "Example: PEER_KEY=peer_… peer get http://127.0.0.1:8080 share/a.mkv share/b.iso --out ~/Downloads\n",
    )
    .action(async (url: string, itemIds: string[], options: GetOptions, command: Command) => {
      let baseUrl: string;
      try {
        baseUrl = normalizePeerUrl(url);
      } catch (error) {
        return usageError(command, (error as Error).message);
      }
      if (options.key === undefined || options.key === "") {
        return usageError(command, "an API key is needed: pass --key KEY or set PEER_KEY");
      }
      const key = options.key;
      const json = options.json === true || !process.stdout.isTTY;
      const manager = createDownloadManager({
        dataDir: resolveDataDir(options.dataDir),
        databaseUrl: options.database,
        downloadDir: options.out ?? process.cwd(),
        concurrency: options.concurrency,
        perPeer: options.perPeer,
        transport: options.transport as TransportKind,
        idleTimeoutMs: (options.idleTimeout ?? 60) * 1000,
        keys: [key],
      });
      const code = await runDownloads(manager, json, async (m, fail) => {
        const ids: string[] = [];
        for (const itemId of itemIds) {
          try {
            ids.push(await m.enqueue({ url: baseUrl, key, transport: options.transport as TransportKind }, itemId));
          } catch (error) {
            fail(itemId, classify(error));
          }
        }
        return ids;
      });
      if (code === EXIT_INTERRUPTED) throw new CliError("interrupted; every download stays resumable: run the same command again", { exitCode: EXIT_INTERRUPTED });
      if (code !== ExitCode.ok) throw new CliError("not every file was downloaded and verified (see above)");
    });
}

/**
 * Runs jobs with a reporter and signal handling; resolves to the exit code.
 * `enqueue` returns the job ids to wait for; without it, the whole queue runs
 * until it is empty (`peer downloads run`).
 * @internal shared by `peer get` and `peer downloads run`
 */
export async function runDownloads(
  manager: DownloadManager,
  json: boolean,
  enqueue?: (m: DownloadManager, fail: (itemId: string, error: DownloadError) => void) => Promise<string[]>,
): Promise<number> {
  const reporter = createDownloadReporter(json);
  const outcome = new Map<string, string>();
  const off = manager.on((e) => {
    if (e.type === "completed" || e.type === "failed" || e.type === "paused" || e.type === "cancelled") outcome.set(e.id, e.type);
    reporter.event(e);
  });
  let interrupted = false;
  const onSignal = () => {
    if (interrupted) return;
    interrupted = true;
    reporter.note("interrupted: stopping; every download stays resumable (run the command again)");
    void manager.close();
  };
  process.on("SIGINT", onSignal);
  process.on("SIGTERM", onSignal);
  let failures = 0;
  const results: Download[] = [];
  try {
    if (enqueue === undefined) {
      await manager.start({ runQueue: true });
      await manager.drain();
    } else {
      await manager.start({ runQueue: false });
      const ids = await enqueue(manager, (itemId, error) => {
        failures++;
        reporter.enqueueFailed(itemId, error);
      });
      for (const id of ids) {
        if (interrupted) break;
        results.push(await manager.wait(id));
      }
    }
  } catch (error) {
    if (!interrupted) {
      failures++;
      const e = error instanceof DownloadError ? error : classify(error);
      reporter.note(`error: ${error instanceof StoreError ? error.message : e.message}`);
    }
  } finally {
    process.off("SIGINT", onSignal);
    process.off("SIGTERM", onSignal);
    await manager.close();
    off();
    reporter.finish(enqueue === undefined ? [...outcome.values()] : results.map((d) => d.status));
  }
  if (interrupted) return EXIT_INTERRUPTED;
  const incomplete =
    enqueue === undefined
      ? [...outcome.values()].filter((t) => t !== "completed").length
      : results.filter((d) => d.status !== "completed").length;
  return failures + incomplete === 0 ? ExitCode.ok : ExitCode.failure;
}

/** Shows download events: bars on a terminal, or JSON lines. */
interface DownloadReporter {
  event(e: DownloadEvent): void;
  enqueueFailed(itemId: string, error: DownloadError): void;
  note(text: string): void;
  finish(statuses: readonly string[]): void;
}

/** Creates the reporter for `peer get` / `peer downloads run`. @internal */
export function createDownloadReporter(json: boolean): DownloadReporter {
  if (json) {
    return {
      event: (e) => writeJsonLine(e),
      enqueueFailed: (itemId, error) =>
        writeJsonLine({ type: "failed", itemId, time: new Date().toISOString(), error: { code: error.code, message: error.message } }),
      note: (text) => writeErr(`${text}\n`),
      finish: (statuses) => {
        const completed = statuses.filter((t) => t === "completed").length;
        writeJsonLine({ type: "summary", completed, incomplete: statuses.length - completed });
      },
    };
  }
  const multi = new cliProgress.MultiBar(
    {
      format: " {file} |{bar}| {percentage}% | {done} of {size} | {speed} | ETA {etaText}",
      hideCursor: true,
      clearOnComplete: false,
      stopOnComplete: false,
      barsize: 24,
      stream: process.stderr,
      autopadding: true,
      // Our own SIGINT handler stops the bars after logging what happens to the jobs.
      gracefulExit: false,
    },
    cliProgress.Presets.shades_classic,
  );
  const bars = new Map<string, cliProgress.SingleBar>();
  const label = (name: string) => (name.length > 24 ? `${name.slice(0, 21)}...` : name.padEnd(24));
  const barFor = (e: DownloadEvent, size: number) => {
    let bar = bars.get(e.id);
    if (bar === undefined) {
      bar = multi.create(Math.max(1, size), 0, { file: label(e.fileName), done: "0 B", size: formatBytes(size), speed: "-", etaText: "-" });
      bars.set(e.id, bar);
    }
    return bar;
  };
  const log = (text: string) => multi.log(`${text}\n`);
  /** A finished download leaves the live area and becomes a line of text above it. */
  const retire = (id: string, text: string) => {
    const bar = bars.get(id);
    if (bar !== undefined) {
      multi.remove(bar);
      bars.delete(id);
    }
    log(text);
  };
  return {
    event(e) {
      switch (e.type) {
        case "validated":
          if (e.resumeFrom > 0) log(`↻ ${e.fileName}: resuming at ${formatBytes(e.resumeFrom)} of ${formatBytes(e.size)}`);
          barFor(e, e.size).update(e.resumeFrom, { done: formatBytes(e.resumeFrom) });
          break;
        case "progress": {
          const bar = barFor(e, e.size ?? 0);
          if (e.size !== null) bar.setTotal(Math.max(1, e.size));
          bar.update(e.bytes, {
            done: formatBytes(e.bytes),
            speed: `${formatBytes(e.bytesPerSecond)}/s`,
            etaText: e.etaSeconds === null ? "-" : formatEta(e.etaSeconds),
          });
          break;
        }
        case "restarted":
          log(`${e.fileName}: restarting from 0: ${e.reason}`);
          break;
        case "retrying":
          log(`${e.fileName}: ${e.error.message}; retrying in ${formatEta(Math.ceil(e.delayMs / 1000))}`);
          break;
        case "completed":
          retire(
            e.id,
            `✔ ${e.fileName}: ${formatBytes(e.size)}, ${e.digestVerified ? "SHA-256 verified" : "size verified (the peer has no digest yet)"} → ${e.destination}`,
          );
          break;
        case "failed":
          retire(e.id, `✘ ${e.fileName}: failed: ${e.error.message}`);
          break;
        case "paused":
          retire(e.id, `‖ ${e.fileName}: paused: ${e.error.message} (then: peer downloads retry ${e.id.slice(0, 8)})`);
          break;
        case "cancelled":
          retire(e.id, `✘ ${e.fileName}: cancelled`);
          break;
        default:
          break;
      }
    },
    enqueueFailed: (itemId, error) => log(`${itemId}: ${error.message}`),
    note: (text) => log(text),
    finish(statuses) {
      // Logged lines are printed on the next redraw: force one before stopping.
      multi.update();
      multi.stop();
      const completed = statuses.filter((t) => t === "completed").length;
      if (statuses.length > 0) writeOut(`${completed} of ${statuses.length} downloads complete\n`);
    },
  };
}

/** `1h02m`, `3m05s`, `42s`. */
export function formatEta(seconds: number): string {
  const s = Math.max(0, Math.round(seconds));
  if (s >= 3600) return `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, "0")}m`;
  if (s >= 60) return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, "0")}s`;
  return `${s}s`;
}
