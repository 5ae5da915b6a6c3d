/**
 * Command-line options of `npm run bench`, parsed and checked without I/O.
 */

/** Benchmark groups, in the order they run (docs/performance.md). */
export const GROUPS = [
  "cli",
  "http",
  "rpc",
  "download",
  "memory",
  "resume",
  "small",
  "folder",
  "hashing",
  "sources",
  "stream",
] as const;

/** One of {@link GROUPS}. */
export type GroupName = (typeof GROUPS)[number];

/** Resolved options of one run. */
export interface BenchOptions {
  /** Smoke run for CI: small files, 2 samples, about a minute. @default false */
  readonly quick: boolean;
  /** Size of the big file used for throughput. @default 1 GiB (32 MiB with --quick) */
  readonly size: number;
  /** Size of the ranged read (first N bytes). @default 64 MiB (8 MiB with --quick) */
  readonly rangeSize: number;
  /** Timed samples per target, interleaved A B C A B C. @default 7 (2 with --quick) */
  readonly samples: number;
  /** Groups to run. @default all of {@link GROUPS} */
  readonly groups: readonly GroupName[];
  /** File downloaded for the client-RSS measurement. @default 4 GiB (--size with --quick or when --size is given) */
  readonly bigDownloadSize: number;
  /** File the stalled readers ask for. @default 256 MiB (16 MiB with --quick) */
  readonly stalledFileSize: number;
  /** Concurrent stalled readers. @default 32 */
  readonly stalledReaders: number;
  /** Small files queued at once. @default 1000 (50 with --quick) */
  readonly smallFiles: number;
  /** Size of each small file. @default 64 KiB */
  readonly smallFileSize: number;
  /** Concurrency of the small-file queue. @default 8 */
  readonly smallConcurrency: number;
  /** Where generated files are kept between runs; undefined = os.tmpdir()/peer-bench-files. */
  readonly dataDir: string | undefined;
  /** Where JSON results go. @default "bench/results" */
  readonly resultsDir: string;
  /** Start every Node child (servers, client worker) with `--cpu-prof`; profiles go next to the results. @default false */
  readonly cpuProf: boolean;
  /** Print usage and exit. */
  readonly help: boolean;
}

/** Usage text for --help and for option errors. */
export const USAGE = `usage: npm run bench -- [options]

  --quick            smoke run (small files, 2 samples; what CI runs)
  --size <n>         big file size, e.g. 1g, 256m (default 1g; 32m with --quick)
  --range-size <n>   ranged read size (default 64m; 8m with --quick)
  --samples <n>      timed samples per target, >= 1 (default 7; 2 with --quick)
  --only <groups>    comma-separated groups: ${GROUPS.join(", ")}
  --big-download <n> file size for the client-RSS download (default 4g; --size with --quick)
  --small-files <n>  number of 64 KiB files for the queue benchmark (default 1000; 50 with --quick)
  --data-dir <dir>   where generated files are kept between runs (default: $TMPDIR/peer-bench-files)
  --results <dir>    where JSON results are written (default bench/results)
  --cpu-prof         write V8 CPU profiles of every Node server and the client worker
                     to <results>/profiles/<time>/ (open them in Chrome DevTools)
  --help             this text
`;

const MiB = 1048576;
const GiB = 1073741824;

/** Parses a size such as "1g", "64m", "512k", "4GiB" or "1048576" into bytes. */
export function parseSize(text: string): number {
  const m = /^\s*(\d+(?:\.\d+)?)\s*([kmgt]?)(?:i?b)?\s*$/i.exec(text);
  if (!m) {
    throw new Error(`cannot read size "${text}": use a number with an optional k, m, g or t suffix, e.g. 64m or 1g`);
  }
  const unit = (m[2] ?? "").toLowerCase();
  const mult = unit === "k" ? 1024 : unit === "m" ? MiB : unit === "g" ? GiB : unit === "t" ? 1024 * GiB : 1;
  const bytes = Math.round(Number(m[1]) * mult);
  if (!Number.isSafeInteger(bytes) || bytes <= 0) throw new Error(`size "${text}" must be positive`);
  return bytes;
}

/** Formats bytes with binary units: 1073741824 → "1 GiB", 1572864 → "1.5 MiB". */
export function formatSize(bytes: number): string {
  const units = ["B", "KiB", "MiB", "GiB", "TiB"];
  let v = bytes;
  let i = 0;
  while (Math.abs(v) >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return `${Number.isInteger(v) ? v : v.toFixed(1)} ${units[i]}`;
}

function parsePositiveInt(flag: string, text: string | undefined): number {
  const n = Number(text);
  if (text === undefined || !Number.isSafeInteger(n) || n < 1) {
    throw new Error(`${flag} needs a whole number >= 1, got ${text === undefined ? "nothing" : `"${text}"`}`);
  }
  return n;
}

function parseGroups(text: string | undefined): GroupName[] {
  if (!text) throw new Error(`--only needs a group name: ${GROUPS.join(", ")}`);
  const out: GroupName[] = [];
  for (const raw of text.split(",")) {
    const name = raw.trim().toLowerCase();
    if (!name) continue;
    if (!(GROUPS as readonly string[]).includes(name)) {
      throw new Error(`unknown group "${raw}" for --only: use one of ${GROUPS.join(", ")}`);
    }
    if (!out.includes(name as GroupName)) out.push(name as GroupName);
  }
  if (out.length === 0) throw new Error(`--only needs a group name: ${GROUPS.join(", ")}`);
  return GROUPS.filter((g) => out.includes(g));
}

/**
 * Parses argv (without node and the script). Accepts `--flag value` and `--flag=value`.
 * Throws an Error whose message says what was wrong; callers print it with {@link USAGE}.
 */
export function parseBenchArgs(argv: readonly string[]): BenchOptions {
  let quick = false;
  let help = false;
  let cpuProf = false;
  const given: Record<string, string> = {};
  const valued = new Set([
    "--size",
    "--range-size",
    "--samples",
    "--only",
    "--big-download",
    "--small-files",
    "--data-dir",
    "--results",
  ]);
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] as string;
    const eq = arg.indexOf("=");
    const flag = arg.startsWith("--") && eq > 0 ? arg.slice(0, eq) : arg;
    if (flag === "--quick") quick = true;
    else if (flag === "--help" || flag === "-h") help = true;
    else if (flag === "--cpu-prof") cpuProf = true;
    else if (valued.has(flag)) {
      const value = eq > 0 && arg.startsWith("--") ? arg.slice(eq + 1) : argv[++i];
      if (value === undefined || value === "") throw new Error(`${flag} needs a value`);
      given[flag] = value;
    } else {
      throw new Error(`unknown option "${arg}"`);
    }
  }
  const size = given["--size"] !== undefined ? parseSize(given["--size"]) : quick ? 32 * MiB : GiB;
  const rangeDefault = quick ? 8 * MiB : 64 * MiB;
  const rangeSize =
    given["--range-size"] !== undefined ? parseSize(given["--range-size"]) : Math.min(rangeDefault, size);
  if (rangeSize > size)
    throw new Error(`--range-size (${formatSize(rangeSize)}) must not exceed --size (${formatSize(size)})`);
  const samples = given["--samples"] !== undefined ? parsePositiveInt("--samples", given["--samples"]) : quick ? 2 : 7;
  const groups = given["--only"] !== undefined ? parseGroups(given["--only"]) : [...GROUPS];
  const bigDownloadSize =
    given["--big-download"] !== undefined
      ? parseSize(given["--big-download"])
      : given["--size"] !== undefined || quick
        ? size
        : 4 * GiB;
  const smallFiles =
    given["--small-files"] !== undefined
      ? parsePositiveInt("--small-files", given["--small-files"])
      : quick
        ? 50
        : 1000;
  return {
    quick,
    size,
    rangeSize,
    samples,
    groups,
    bigDownloadSize,
    stalledFileSize: quick ? 16 * MiB : 256 * MiB,
    stalledReaders: 32,
    smallFiles,
    smallFileSize: 64 * 1024,
    smallConcurrency: 8,
    dataDir: given["--data-dir"],
    resultsDir: given["--results"] ?? "bench/results",
    cpuProf,
    help,
  };
}
