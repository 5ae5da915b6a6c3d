/**
 * `peer downloads list|show|retry|cancel|rm|run`: the job queue in
 * `<data-dir>/downloads.db`. `run` works the queue in the foreground,
 * re-driving interrupted jobs (a crashed `peer get`, a paused disk-full job
 * after `retry`). The engine is loaded when a subcommand runs, not when it is
 * registered (docs/performance.md).
 */
import type { Command } from "commander";
import { Option } from "commander";
import type { Download, DownloadManager } from "../client/index.js";
import { DOWNLOAD_STATUSES, type DownloadStatus } from "../client/store/download.table.js";
import {
  argParser,
  CliError,
  dataDirOption,
  ExitCode,
  jsonOption,
  keyOption,
  resolveDataDir,
  writeErr,
  writeJsonLine,
  writeOut,
} from "./common.js";
import { concurrencyOption, DEFAULT_IDLE_TIMEOUT_SECONDS, idleTimeoutOption, perPeerOption } from "./download-options.js";
import { formatBytes, formatDate, formatTable } from "./format.js";
import { storedRemoteKeys } from "./peer-target.js";

interface CommonOptions {
  dataDir?: string;
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

async function withManager<T>(options: CommonOptions & { out?: string }, fn: (m: DownloadManager) => Promise<T>): Promise<T> {
  const { classify, createDownloadManager } = await import("../client/index.js");
  const manager = createDownloadManager({ dataDir: resolveDataDir(options.dataDir), downloadDir: options.out ?? process.cwd() });
  // An admin handle: it never downloads (retry only re-queues; `peer downloads run` works the queue).
  await manager.start({ runQueue: false, runJobs: false });
  try {
    return await fn(manager);
  } catch (error) {
    if (error instanceof CliError) throw error;
    throw new CliError(classify(error).message, { cause: error });
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
  writeOut(rows.map(([k, v]) => `${k.padEnd(12)} ${v}\n`).join(""));
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
    .description("the download queue: list, show, retry, cancel, rm, run")
    .addHelpText("after", "\nJobs live in <data-dir>/downloads.db (default ./.peer, or PEER_DATA_DIR).\n");

  downloads
    .command("list")
    .description("list download jobs, newest first")
    .addOption(new Option("--status <status>", "only jobs with this status").argParser(argParser(parseStatus)))
    .addOption(jsonOption())
    .addOption(dataDirOption())
    .action(async (options: CommonOptions & { status?: DownloadStatus }) => {
      await withManager(options, async (m) => {
        const jobs = await m.list(options.status === undefined ? undefined : [options.status]);
        if (options.json) {
          for (const d of jobs) writeJsonLine(downloadJson(d));
          return;
        }
        if (jobs.length === 0) {
          writeErr("No download jobs.\n");
          return;
        }
        writeOut(
          formatTable(jobs, [
            { header: "ID", value: (d) => d.id.slice(0, 8) },
            { header: "STATUS", value: (d) => d.status },
            { header: "DONE", value: (d) => formatBytes(d.committedBytes), right: true },
            { header: "SIZE", value: (d) => (d.size === null ? "?" : formatBytes(d.size)), right: true },
            { header: "ITEM", value: (d) => d.itemId },
            { header: "ERROR", value: (d) => d.error?.code ?? "" },
          ]),
        );
      });
    });

  downloads
    .command("show")
    .description("show one job")
    .argument("<id>", "job id (or its first 8 characters)")
    .addOption(jsonOption())
    .addOption(dataDirOption())
    .action(async (id: string, options: CommonOptions) => {
      await withManager(options, async (m) => printJob(await mustGet(m, id), options.json));
    });

  downloads
    .command("retry")
    .description("re-queue a failed, paused or cancelled job (then: peer downloads run)")
    .argument("<id>", "job id (or its first 8 characters)")
    .addOption(jsonOption())
    .addOption(dataDirOption())
    .action(async (id: string, options: CommonOptions) => {
      await withManager(options, async (m) => {
        const d = await m.retry((await mustGet(m, id)).id);
        printJob(d, options.json);
        if (!options.json) writeErr("Queued. Run \"peer downloads run\" (with --key or PEER_KEY) to download it.\n");
      });
    });

  downloads
    .command("cancel")
    .description("cancel a job (its part file stays until rm)")
    .argument("<id>", "job id (or its first 8 characters)")
    .addOption(jsonOption())
    .addOption(dataDirOption())
    .action(async (id: string, options: CommonOptions) => {
      await withManager(options, async (m) => printJob(await m.cancel((await mustGet(m, id)).id), options.json));
    });

  downloads
    .command("rm")
    .description("delete a job that is not running: its part file, and its file if it completed (only under --out, default the current directory)")
    .argument("<id>", "job id (or its first 8 characters)")
    .option("--out <dir>", "the download directory files may be removed from (default: the current directory)")
    .addOption(jsonOption())
    .addOption(dataDirOption())
    .action(async (id: string, options: CommonOptions & { out?: string }) => {
      await withManager(options, async (m) => {
        const d = await mustGet(m, id);
        const result = await m.delete(d.id);
        if (options.json) {
          writeJsonLine({ id: d.id, deleted: true, removed: result.removed, kept: result.kept });
          return;
        }
        for (const f of result.removed) writeOut(`removed ${f}\n`);
        for (const k of result.kept) writeOut(`kept ${k.path}: ${k.reason}\n`);
        writeOut(`deleted job ${d.id}\n`);
      });
    });

  downloads
    .command("run")
    .description("work the queue: run queued jobs and re-drive interrupted ones until none is left (keys: --key and the remotes')")
    .addOption(keyOption())
    .addOption(concurrencyOption())
    .addOption(perPeerOption())
    .addOption(idleTimeoutOption("abort an attempt after this long without bytes"))
    .addOption(jsonOption())
    .addOption(dataDirOption())
    .action(async (options: CommonOptions & { key?: string; concurrency?: number; perPeer?: number; idleTimeout?: number }) => {
      const { createDownloadManager } = await import("../client/index.js");
      const { EXIT_INTERRUPTED, runDownloads } = await import("./run-downloads.js");
      const json = options.json === true || !process.stdout.isTTY;
      // A job stores only its key's fingerprint: the keys of the remotes are offered too, and each job takes its own.
      const remoteKeys = await storedRemoteKeys(options.dataDir);
      const manager = createDownloadManager({
        dataDir: resolveDataDir(options.dataDir),
        concurrency: options.concurrency,
        perPeer: options.perPeer,
        idleTimeoutMs: (options.idleTimeout ?? DEFAULT_IDLE_TIMEOUT_SECONDS) * 1000,
        keys: [...(options.key === undefined || options.key === "" ? [] : [options.key]), ...remoteKeys],
      });
      const code = await runDownloads(manager, json);
      if (code === EXIT_INTERRUPTED) throw new CliError("interrupted; every job stays resumable: run the command again", { exitCode: EXIT_INTERRUPTED });
      if (code !== ExitCode.ok) throw new CliError("some jobs did not complete (see above; peer downloads list)");
    });
}
