/**
 * `npm run bench`: the benchmark harness of issue 6. Loopback only; servers run
 * as child processes; targets interleaved; medians, min/max, server CPU s/GiB and
 * ratios from the same run. Prints markdown, writes JSON to bench/results/.
 *
 * Exit code: 0 whenever the harness worked, whatever the figures (targets that
 * are missing or slow are reported, never fatal); 1 when the harness itself is
 * broken (its own baselines fail, or it throws); 2 for bad options.
 */
import { mkdir, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { REPO_ROOT } from "./child.js";
import { createBenchFiles, type BenchContext } from "./context.js";
import { runCliGroup } from "./groups/cli-group.js";
import { runDownloadGroup } from "./groups/download-group.js";
import { runFolderGroup } from "./groups/folder-group.js";
import { runHttpGroup } from "./groups/http-group.js";
import { runMemoryGroup } from "./groups/memory-group.js";
import { runResumeGroup } from "./groups/resume-group.js";
import { runRpcGroup } from "./groups/rpc-group.js";
import { runSmallGroup } from "./groups/small-group.js";
import { runHashingGroup } from "./groups/hashing-group.js";
import { runSourcesGroup } from "./groups/sources-group.js";
import { runStreamGroup } from "./groups/stream-group.js";
import { describeMachine } from "./machine.js";
import type { GroupResult } from "./model.js";
import { formatSize, parseBenchArgs, USAGE, type BenchOptions, type GroupName } from "./options.js";
import { renderJson, renderMarkdown, resultFileName, type BenchRun } from "./report.js";
import { createServerPool } from "./server-pool.js";

const RUNNERS: Record<GroupName, (ctx: BenchContext) => Promise<GroupResult>> = {
  cli: runCliGroup,
  http: runHttpGroup,
  rpc: runRpcGroup,
  download: runDownloadGroup,
  memory: runMemoryGroup,
  resume: runResumeGroup,
  small: runSmallGroup,
  folder: runFolderGroup,
  hashing: runHashingGroup,
  sources: runSourcesGroup,
  stream: runStreamGroup,
};

function log(line: string): void {
  process.stderr.write(`${line}\n`);
}

async function main(): Promise<number> {
  const argv = process.argv.slice(2);
  let options: BenchOptions;
  try {
    options = parseBenchArgs(argv);
  } catch (err) {
    process.stderr.write(`${(err as Error).message}\n\n${USAGE}`);
    return 2;
  }
  if (options.help) {
    process.stdout.write(USAGE);
    return 0;
  }
  const startedAt = new Date().toISOString();
  const t0 = Date.now();
  const machine = describeMachine();
  const dataDir = path.resolve(options.dataDir ?? path.join(os.tmpdir(), "peer-bench-files"));
  const root = path.join(dataDir, "share");
  const resultsDir = path.resolve(REPO_ROOT, options.resultsDir);
  const profileDir = path.join(resultsDir, "profiles", resultFileName(startedAt).replace(/\.json$/, ""));
  if (options.cpuProf) await mkdir(profileDir, { recursive: true });
  const pool = createServerPool(root, {
    nodeArgs: options.cpuProf ? ["--cpu-prof", `--cpu-prof-dir=${profileDir}`] : [],
  });
  const harnessErrors: string[] = [];
  const ctx: BenchContext = {
    options,
    pool,
    files: createBenchFiles(root, log),
    log,
    harnessError: (m) => harnessErrors.push(m),
  };
  log(
    `peer bench: groups ${options.groups.join(", ")}; ${formatSize(options.size)} file, ${options.samples} samples; files in ${root}`,
  );
  const groups: GroupResult[] = [];
  const onSignal = (): void => {
    void pool.stopAll().finally(() => process.exit(130));
  };
  process.once("SIGINT", onSignal);
  process.once("SIGTERM", onSignal);
  try {
    for (const g of options.groups) {
      log(`== group ${g}`);
      const g0 = Date.now();
      try {
        groups.push(await RUNNERS[g](ctx));
        log(`== group ${g} took ${((Date.now() - g0) / 1000).toFixed(1)} s`);
      } catch (err) {
        harnessErrors.push(`group ${g} crashed: ${(err as Error).stack ?? String(err)}`);
      }
    }
  } finally {
    await pool.stopAll();
  }
  const run: BenchRun = {
    startedAt,
    durationSeconds: (Date.now() - t0) / 1000,
    command: `npm run bench${argv.length > 0 ? ` -- ${argv.join(" ")}` : ""}`,
    machine,
    loadavgAtEnd: describeMachine().loadavg,
    options: { ...options, dataDir },
    groups,
    harnessErrors,
  };
  const markdown = renderMarkdown(run);
  process.stdout.write(`\n${markdown}\n`);
  await mkdir(resultsDir, { recursive: true });
  const file = path.join(resultsDir, resultFileName(startedAt));
  await writeFile(file, renderJson(run));
  await writeFile(file.replace(/\.json$/, ".md"), markdown);
  log(`results: ${path.relative(process.cwd(), file)}`);
  if (options.cpuProf)
    log(`CPU profiles (one per Node child, named by pid): ${path.relative(process.cwd(), profileDir)}`);
  return harnessErrors.length > 0 ? 1 : 0;
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    process.stderr.write(`bench harness failed: ${(err as Error).stack ?? String(err)}\n`);
    process.exit(1);
  },
);
