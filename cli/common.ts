/**
 * What every `peer` command shares: the data-dir and key options, one way to
 * fail (usage → exit 2, runtime → exit 1), and JSON-lines output.
 */
import path from "node:path";
import { parseDatabaseUrl } from "../common/store/database-url.js";
import { type Command, InvalidArgumentError, Option } from "commander";
import type { Parsed } from "./duration.js";
import { type Column, formatTable } from "./format.js";

/** Exit codes of the `peer` command. */
export const ExitCode = {
  /** Success. */
  ok: 0,
  /** The command ran and failed (peer unreachable, key refused, file missing…). */
  failure: 1,
  /** The command line was wrong; nothing was done. */
  usage: 2,
} as const;

/** Default data directory, relative to the working directory. @default "./.peer" */
export const DEFAULT_DATA_DIR = "./.peer";

/** Commander error code of usage errors raised by {@link usageError}. */
export const USAGE_ERROR_CODE = "peer.usage";

/** A runtime failure with a message for the user; the CLI prints it and exits with `exitCode`. */
export class CliError extends Error {
  override readonly name = "CliError";
  /** The process exit code. @default 1 */
  readonly exitCode: number;
  constructor(message: string, options: { exitCode?: number; cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.exitCode = options.exitCode ?? 1;
  }
}

/** `--data-dir DIR`, defaulting to `$PEER_DATA_DIR`, then `./.peer`. */
export function dataDirOption(): Option {
  return new Option("--data-dir <dir>", "directory of the peer's database")
    .env("PEER_DATA_DIR")
    .default(DEFAULT_DATA_DIR);
}

/**
 * `--database URL`, defaulting to `$PEER_DATABASE_URL`: a `postgres://` URL shares one store
 * between processes on several machines; without it the store is SQLite in --data-dir.
 */
export function databaseOption(): Option {
  return new Option(
    "--database <url>",
    "PostgreSQL URL (postgres://user@host:5432/db) instead of SQLite in --data-dir",
  ).env("PEER_DATABASE_URL");
}

/** `host:port/db` of a `--database` PostgreSQL URL (safe to print), or undefined for SQLite or a bad URL. */
export function databaseDisplay(url: string | undefined): string | undefined {
  const parsed = parseDatabaseUrl(url);
  return parsed.ok && parsed.value.kind === "postgres" ? parsed.value.display : undefined;
}

/** Resolves the `--data-dir` value to an absolute path. */
export function resolveDataDir(value: unknown): string {
  return path.resolve(typeof value === "string" && value !== "" ? value : DEFAULT_DATA_DIR);
}

/** `--key KEY`, defaulting to `$PEER_KEY` (prefer the variable: arguments show up in `ps`). */
export function keyOption(): Option {
  return new Option("--key <key>", "API key of the peer (prefer the PEER_KEY variable)").env("PEER_KEY");
}

/** `--json`: one JSON object per line on stdout, for scripts. */
export function jsonOption(): Option {
  return new Option("--json", "print one JSON object per line");
}

/**
 * Wraps a pure parser as a commander argument parser: a failed parse becomes
 * commander's "option '--x <v>' argument 'y' is invalid. <why>" usage error.
 */
export function argParser<T>(parse: (text: string) => Parsed<T>): (text: string) => T {
  return (text) => {
    const result = parse(text);
    if (!result.ok) throw new InvalidArgumentError(result.error);
    return result.value;
  };
}

/** Like {@link argParser}, for repeatable options: collects values into an array. */
export function repeatableArgParser<T>(
  parse: (text: string) => Parsed<T>,
): (text: string, previous: T[] | undefined) => T[] {
  const one = argParser(parse);
  return (text, previous) => [...(previous ?? []), one(text)];
}

/** Parses a positive integer option such as `--limit 10`. */
export function parsePositiveInteger(text: string): Parsed<number> {
  if (!/^\d{1,15}$/.test(text.trim()) || Number(text) < 1) {
    return { ok: false, error: `"${text}" is not a positive whole number` };
  }
  return { ok: true, value: Number(text) };
}

/**
 * Fails the command line: prints `error: <message>` and the `--help` hint on
 * stderr, and makes `main` return 2. Use for problems the user fixes by
 * changing the arguments.
 */
export function usageError(command: Command, message: string): never {
  return command.error(`error: ${message}`, { exitCode: ExitCode.usage, code: USAGE_ERROR_CODE });
}

/** Writes one value as a JSON line to stdout. */
export function writeJsonLine(value: unknown): void {
  process.stdout.write(`${jsonLine(value)}\n`);
}

/**
 * JSON.stringify, with the characters it leaves raw that can still drive a terminal (bidi
 * controls, line and paragraph separators) written as \uXXXX escapes: the same JSON value, safe to show.
 */
export function jsonLine(value: unknown): string {
  return JSON.stringify(value).replace(
    /[\u2028\u2029\u202a-\u202e\u2066-\u2069]/g,
    (c) => `\\u${(c.codePointAt(0) ?? 0).toString(16).padStart(4, "0")}`,
  );
}

/** Writes text to stdout. */
export function writeOut(text: string): void {
  process.stdout.write(text);
}

/** Writes text to stderr (progress, notes: anything scripts should not parse). */
export function writeErr(text: string): void {
  process.stderr.write(text);
}

/** The full name of a command, e.g. `peer keys create`. */
export function commandPath(command: Command): string {
  const names: string[] = [];
  for (let c: Command | null = command; c !== null; c = c.parent) names.unshift(c.name());
  return names.join(" ");
}

/**
 * Prints a listing (`keys list`, `links list`, `remote list`): one JSON object per row with --json;
 * otherwise a table on stdout, or `emptyHint` on stderr when there are no rows.
 */
export function printListing<T>(
  rows: readonly T[],
  o: { json: boolean | undefined; toJson: (row: T) => unknown; emptyHint: string; columns: readonly Column<T>[] },
): void {
  if (o.json) {
    for (const row of rows) writeJsonLine(o.toJson(row));
    return;
  }
  if (rows.length === 0) {
    writeErr(o.emptyHint);
    return;
  }
  writeOut(formatTable(rows, o.columns));
}
