/**
 * `peer downloads list|show|retry|cancel|rm|run`: the job queue in
 * `<data-dir>/downloads.db`. `run` works the queue in the foreground,
 * re-driving interrupted jobs (a crashed `peer get`, a paused disk-full job
 * after `retry`). The engine is loaded when a subcommand runs, not when it is
 * registered (docs/performance.md).
 */
import type { Command } from "commander";
import { Option } from "commander";
import type { Download, DownloadManager, TransportKind } from "../client/index.js";
import { DOWNLOAD_STATUSES, type DownloadStatus } from "../client/internal.js";
import {
  argParser,
  CliError,
  databaseOption,
  dataDirOption,
  ExitCode,
  jsonOption,
  keyOption,
  parsePositiveInteger,
  resolveDataDir,
  writeErr,
  writeJsonLine,
  writeOut,
} from "./common.js";
import { DOWNLOAD_DEFAULTS } from "../client/internal.js";
import {
  concurrencyOption,
  DEFAULT_IDLE_TIMEOUT_SECONDS,
  idleTimeoutOption,
  onExistingOf,
  overwriteOption,
  renameOption,
  transportOption,
} from "./download-options.js";
import { formatBytes, formatDate, formatTable, printable } from "./format.js";
import { formatSources, sourceJson } from "./source-format.js";
import { resolvePeerArgument, storedRemoteKeys } from "./peer-target.js";
import { StoreError } from "../common/store/store-error.js";
import { folderJson, folderListRow, folderOf, printFolder } from "./downloads-folders.js";
import { setTurbofan, turbofanFor } from "./optimizing-compiler.js";

interface CommonOptions {
  dataDir?: string;
  database?: string;
  json?: boolean;
}

/** The JSON form of a job. */
export function downloadJson(d: Download): Record<string, unknown> {
  return {
    id: d.id,
    status: d.status,
    peerUrl: d.peerUrl,
    itemId: d.itemId,
    fileName: d.fileName,
    destination: d.destination,
    transport: d.transport,
    size: d.size,
    committedBytes: d.committedBytes,
    etag: d.etag,
    sha256: d.sha256,
    piecesRoot: d.piecesRoot,
    pieceLength: d.pieceLength,
    piecesVerified: d.pieces?.verified ?? null,
    pieceCount: d.pieces?.count ?? null,
    attempts: d.attempts,
    restarts: d.restarts,
    error: d.error,
    nextAttemptAt: d.nextAttemptAt?.toISOString() ?? null,
    createdAt: d.createdAt.toISOString(),
    updatedAt: d.updatedAt.toISOString(),
    completedAt: d.completedAt?.toISOString() ?? null,
  };
}

async function withManager<T>(
  options: CommonOptions & { out?: string },
  fn: (m: DownloadManager) => Promise<T>,
): Promise<T> {
  const { classify, createDownloadManager } = await import("../client/index.js");
  const manager = createDownloadManager({
    dataDir: resolveDataDir(options.dataDir),
    databaseUrl: options.database,
    downloadDir: options.out ?? process.cwd(),
  });
  // An admin handle: it never downloads (retry only re-queues; `peer downloads run` works the queue).
  try {
    await manager.start({ runQueue: false, runJobs: false });
    return await fn(manager);
  } catch (error) {
    if (error instanceof CliError) throw error;
    throw new CliError(error instanceof StoreError ? error.message : classify(error).message, { cause: error });
  } finally {
    await manager.close();
  }
}

async function mustGet(m: DownloadManager, id: string): Promise<Download> {
  const d = await m.get(id);
  if (d === undefined) throw new CliError(`no download job "${id}"; see peer downloads list`);
  return d;
}

function printJob(d: Download, json: boolean | undefined): void {
  if (json) {
    writeJsonLine(downloadJson(d));
    return;
  }
  const rows: Array<[string, string]> = [
    ["id", d.id],
    ["status", d.status],
    ["peer", d.peerUrl],
    ["item", d.itemId],
    ["destination", d.destination],
    ["if it exists", d.onExisting],
    ["part file", d.partPath],
    ["transport", d.transport],
    ["progress", `${formatBytes(d.committedBytes)} of ${d.size === null ? "?" : formatBytes(d.size)} committed`],
    ["etag", d.etag ?? "-"],
    ["sha256", d.sha256 ?? "-"],
    ["pieces root", d.piecesRoot ?? "- (whole-file SHA-256 check)"],
    ["pieces", piecesText(d)],
    ["attempts", `${d.attempts} (restarts ${d.restarts})`],
    ["error", d.error === null ? "-" : `${d.error.code}: ${d.error.message}`],
    ["created", formatDate(d.createdAt)],
    ["completed", formatDate(d.completedAt)],
  ];
  writeOut(rows.map(([k, v]) => `${k.padEnd(12)} ${printable(v)}\n`).join(""));
}

/** `412 of 512 verified (512 KiB each)`, or `-` while the job is on the whole-file path. */
function piecesText(d: Download): string {
  if (d.pieces === null || d.pieceLength === null) return "-";
  return `${d.pieces.verified} of ${d.pieces.count} verified (${formatBytes(d.pieceLength)} each)`;
}

function parseStatus(text: string): { ok: true; value: DownloadStatus } | { ok: false; error: string } {
  return (DOWNLOAD_STATUSES as readonly string[]).includes(text)
    ? { ok: true, value: text as DownloadStatus }
    : { ok: false, error: `use one of ${DOWNLOAD_STATUSES.join(", ")}` };
}

/** Registers `peer downloads`. */
export function register(program: Command): void {
  const downloads = program
    .command("downloads")
    .description("the download queue: add, list, show, retry, cancel, rm, run")
    .addHelpText(
      "after",
      "\nJobs live in <data-dir>/downloads.db (default ./.peer, or PEER_DATA_DIR), or in PostgreSQL with\n" +
        "--database postgres://… (or PEER_DATABASE_URL), where workers on several machines share one queue.\n",
    );
  registerAdd(downloads);
  registerList(downloads);
  registerShow(downloads);
  registerRetry(downloads);
  registerCancel(downloads);
  registerRm(downloads);
  registerRun(downloads);
}

/** Adds the options every `peer downloads` subcommand takes, after its own: --json, --data-dir, --database. */
function storeOptions(command: Command): void {
  command.addOption(jsonOption()).addOption(dataDirOption()).addOption(databaseOption());
}

/** `peer downloads list`: jobs and folder jobs, newest first; a folder's files as its one line. */
function registerList(downloads: Command): void {
  const command = downloads
    .command("list")
    .description("list download jobs, newest first")
    .addOption(new Option("--status <status>", "only jobs with this status").argParser(argParser(parseStatus)))
    .action(async (options: CommonOptions & { status?: DownloadStatus }) => {
      await withManager(options, async (m) => {
        // A folder's file jobs are listed as their folder's one line.
        const jobs = (await m.list(options.status === undefined ? undefined : [options.status])).filter(
          (d) => d.folderJobId === null,
        );
        const folders = (await m.listFolders()).filter(
          (f) => options.status === undefined || f.status === options.status,
        );
        if (options.json) {
          for (const f of folders) writeJsonLine(folderJson(f));
          for (const d of jobs) writeJsonLine(downloadJson(d));
          return;
        }
        if (jobs.length === 0 && folders.length === 0) {
          writeErr("No download jobs.\n");
          return;
        }
        const rows = [
          ...folders.map(folderListRow),
          ...jobs.map((d) => ({
            id: d.id,
            status: d.status as string,
            done: d.committedBytes,
            size: d.size,
            item: d.itemId,
            error: d.error?.code ?? "",
          })),
        ];
        writeOut(
          formatTable(rows, [
            { header: "ID", value: (d) => d.id.slice(0, 8) },
            { header: "STATUS", value: (d) => d.status },
            { header: "DONE", value: (d) => formatBytes(d.done), right: true },
            { header: "SIZE", value: (d) => (d.size === null ? "?" : formatBytes(d.size)), right: true },
            { header: "ITEM", value: (d) => d.item },
            { header: "ERROR", value: (d) => d.error },
          ]),
        );
      });
    });
  storeOptions(command);
}

/** `peer downloads show`: one job (or folder job) and its sources. */
function registerShow(downloads: Command): void {
  const command = downloads
    .command("show")
    .description("show one job and its sources (peers and mirrors, with their state)")
    .argument("<id>", "job or folder job id (or its first 8 characters)")
    .action(async (id: string, options: CommonOptions) => {
      await withManager(options, async (m) => {
        const folder = await folderOf(m, id);
        if (folder !== undefined) return printFolder(folder, options.json);
        const d = await mustGet(m, id);
        const sources = await m.sources(d.id);
        if (options.json) {
          writeJsonLine({ ...downloadJson(d), sources: sources.map(sourceJson) });
          return;
        }
        printJob(d, false);
        writeOut(`\nsources (${sources.length}; peer* = the primary peer)\n${formatSources(sources)}`);
      });
    });
  storeOptions(command);
}

/** `peer downloads retry`: re-queues a failed, paused or cancelled job or folder. */
function registerRetry(downloads: Command): void {
  const command = downloads
    .command("retry")
    .description("re-queue a failed, paused or cancelled job (then: peer downloads run)")
    .argument("<id>", "job id (or its first 8 characters)")
    .action(async (id: string, options: CommonOptions) => {
      await withManager(options, async (m) => {
        const folder = await folderOf(m, id);
        if (folder !== undefined) {
          printFolder(await m.retryFolder(folder.id), options.json);
          if (!options.json)
            writeErr('Queued. Run the same peer get again (or "peer downloads run") to download it.\n');
          return;
        }
        const d = await m.retry((await mustGet(m, id)).id);
        printJob(d, options.json);
        if (!options.json) writeErr('Queued. Run "peer downloads run" (with --key or PEER_KEY) to download it.\n');
      });
    });
  storeOptions(command);
}

/** `peer downloads cancel`: cancels a job or a folder's unfinished files. */
function registerCancel(downloads: Command): void {
  const command = downloads
    .command("cancel")
    .description("cancel a job (its part file stays until rm)")
    .argument("<id>", "job id (or its first 8 characters)")
    .action(async (id: string, options: CommonOptions) => {
      await withManager(options, async (m) => {
        const folder = await folderOf(m, id);
        if (folder !== undefined) return printFolder(await m.cancelFolder(folder.id), options.json);
        printJob(await m.cancel((await mustGet(m, id)).id), options.json);
      });
    });
  storeOptions(command);
}

/** `peer downloads rm`: deletes a job that is not running, with its files under --out. */
function registerRm(downloads: Command): void {
  const command = downloads
    .command("rm")
    .description(
      "delete a job that is not running: its part file, and its file if it completed (only under --out, default the current directory)",
    )
    .argument("<id>", "job id (or its first 8 characters)")
    .option("--out <dir>", "the download directory files may be removed from (default: the current directory)")
    .action(async (id: string, options: CommonOptions & { out?: string }) => {
      await withManager(options, async (m) => {
        const folder = await folderOf(m, id);
        const d = folder ?? (await mustGet(m, id));
        const result = folder === undefined ? await m.delete(d.id) : await m.deleteFolder(folder.id);
        if (options.json) {
          writeJsonLine({ id: d.id, deleted: true, removed: result.removed, kept: result.kept });
          return;
        }
        for (const f of result.removed) writeOut(`removed ${f}\n`);
        for (const k of result.kept) writeOut(`kept ${k.path}: ${k.reason}\n`);
        writeOut(`deleted job ${d.id}\n`);
      });
    });
  storeOptions(command);
}

/** `peer downloads run`: works the queue until empty, or as a --worker. */
function registerRun(downloads: Command): void {
  const command = downloads
    .command("run")
    .description("work the queue: run queued jobs and re-drive interrupted ones (until none is left, or as a --worker)")
    .addOption(keyOption())
    .addOption(concurrencyOption())
    .addOption(
      new Option(
        "--per-peer <n>",
        `downloads at once from one peer (default: ${DOWNLOAD_DEFAULTS.perPeer}; a --worker: --concurrency)`,
      ).argParser(argParser(parsePositiveInteger)),
    )
    .addOption(idleTimeoutOption("abort an attempt after this long without bytes"))
    .addOption(
      new Option("--worker <name>", "work a shared queue until stopped (SIGINT/SIGTERM): claim jobs as they come"),
    )
    .addOption(new Option("--until-empty", "with --worker: stop once no job is queued or running anywhere"))
    .addOption(
      new Option(
        "--lease <seconds>",
        "lease length: a dead worker's jobs move on after this long (renewed every third)",
      )
        .default(DOWNLOAD_DEFAULTS.leaseMs / 1000)
        .argParser(argParser(parsePositiveInteger)),
    )
    .action(async (options: RunOptions) => {
      setTurbofan(turbofanFor({ command: "downloads run" })); // a worker may run long, over any transport
      const { createDownloadManager } = await import("../client/index.js");
      const { EXIT_INTERRUPTED, runDownloads } = await import("./run-downloads.js");
      const json = options.json === true || !process.stdout.isTTY;
      // A job stores only its key's fingerprint: the keys of the remotes are offered too, and each job takes its own.
      const remoteKeys = await storedRemoteKeys(options.dataDir);
      const manager = createDownloadManager({
        dataDir: resolveDataDir(options.dataDir),
        databaseUrl: options.database,
        concurrency: options.concurrency,
        perPeer: options.perPeer ?? (options.worker === undefined ? DOWNLOAD_DEFAULTS.perPeer : options.concurrency),
        idleTimeoutMs: (options.idleTimeout ?? DEFAULT_IDLE_TIMEOUT_SECONDS) * 1000,
        leaseMs: (options.lease ?? DOWNLOAD_DEFAULTS.leaseMs / 1000) * 1000,
        workerName: options.worker,
        keys: [...(options.key === undefined || options.key === "" ? [] : [options.key]), ...remoteKeys],
      });
      if (options.worker !== undefined) {
        await runQueueWorker(manager, options, json);
        return;
      }
      const code = await runDownloads(manager, json);
      if (code === EXIT_INTERRUPTED)
        throw new CliError("interrupted; every job stays resumable: run the command again", {
          exitCode: EXIT_INTERRUPTED,
        });
      if (code !== ExitCode.ok) throw new CliError("some jobs did not complete (see above; peer downloads list)");
    });
  storeOptions(command);
}

interface RunOptions extends CommonOptions {
  key?: string;
  concurrency?: number;
  perPeer?: number;
  idleTimeout?: number;
  worker?: string;
  untilEmpty?: boolean;
  lease?: number;
}

/**
 * `peer downloads run --worker NAME`: claims jobs as they come until SIGINT/SIGTERM (exit 0: a
 * stopped worker hands its jobs back to the queue) or, with --until-empty, until the queue is empty.
 */
async function runQueueWorker(manager: DownloadManager, options: RunOptions, json: boolean): Promise<void> {
  const { classify, runWorker } = await import("../client/index.js");
  const { createDownloadReporter } = await import("./run-downloads.js");
  const reporter = await createDownloadReporter(json);
  const statuses: string[] = [];
  const off = manager.on((e) => {
    if (e.type === "completed" || e.type === "failed" || e.type === "paused" || e.type === "cancelled")
      statuses.push(e.type);
    reporter.event(e);
  });
  const stop = new AbortController();
  const onSignal = () => {
    if (stop.signal.aborted) return;
    reporter.note("stopping: running jobs go back to the queue");
    stop.abort();
  };
  process.on("SIGINT", onSignal);
  process.on("SIGTERM", onSignal);
  try {
    try {
      await manager.start({ runQueue: false });
    } catch (error) {
      throw new CliError(error instanceof StoreError ? error.message : classify(error).message, { cause: error });
    }
    let lastError = "";
    await runWorker(manager, {
      concurrency: options.concurrency,
      untilEmpty: options.untilEmpty === true,
      signal: stop.signal,
      onError: (error) => {
        // A database outage repeats the same error every poll: say it once until it changes.
        const text = classify(error).message;
        if (text !== lastError) reporter.note(`cannot reach the queue (retrying): ${text}`);
        lastError = text;
      },
    });
  } finally {
    process.off("SIGINT", onSignal);
    process.off("SIGTERM", onSignal);
    await manager.close();
    off();
    reporter.finish(statuses);
  }
}

/** Registers `peer downloads add`. */
function registerAdd(downloads: Command): void {
  const command = downloads
    .command("add")
    .description("queue downloads without running them (workers run them: peer downloads run --worker NAME)")
    .argument("<peer-url>", "the peer, e.g. http://127.0.0.1:8080, or a remote's name")
    .argument("<item-id...>", "item ids as listed by peer ls")
    .option(
      "--out <dir>",
      "directory for the files (default: the current directory); with several workers, a path every worker sees",
    )
    .addOption(overwriteOption())
    .addOption(renameOption())
    .addOption(keyOption())
    .addOption(transportOption())
    .action(
      async (
        url: string,
        itemIds: string[],
        options: CommonOptions & {
          out?: string;
          key?: string;
          transport?: string;
          overwrite?: boolean;
          rename?: boolean;
        },
        command: Command,
      ) => {
        const { classify } = await import("../client/index.js");
        const { url: baseUrl, key } = await resolvePeerArgument(command, url, options);
        let failures = 0;
        await withManager(options, async (m) => {
          for (const itemId of itemIds) {
            try {
              const id = await m.enqueue({ url: baseUrl, key, transport: options.transport as TransportKind }, itemId, {
                outDir: options.out,
                onExisting: onExistingOf(options),
              });
              if (options.json) writeJsonLine({ id, itemId, queued: true });
              else writeOut(`${id} ${itemId}\n`);
            } catch (error) {
              failures++;
              const e = classify(error);
              if (options.json) writeJsonLine({ itemId, queued: false, error: { code: e.code, message: e.message } });
              else writeErr(`${printable(itemId)}: ${printable(e.message)}\n`);
            }
          }
        });
        if (failures > 0) throw new CliError(`${failures} of ${itemIds.length} items were not queued (see above)`);
        if (!options.json)
          writeErr(
            "Queued. Workers run them: peer downloads run --worker NAME (with the same --database and PEER_KEY).\n",
          );
      },
    );
  storeOptions(command);
}
