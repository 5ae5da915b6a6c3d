/**
 * The `peer` command: builds the commander program from one module per
 * command (each exports `register(program)`) and turns every outcome into an
 * exit code instead of calling process.exit, so it can be driven in-process.
 */
import { readFileSync } from "node:fs";
import { Command, CommanderError } from "commander";
import { CliError, commandPath, ExitCode, USAGE_ERROR_CODE } from "./common.js";
import { register as registerDownloads } from "./downloads.js";
import { printableLines } from "./format.js";
import { register as registerGet } from "./get.js";
import { register as registerKeys } from "./keys.js";
import { register as registerLinks } from "./links.js";
import { register as registerLs } from "./ls.js";
import { register as registerRemote } from "./remote.js";
import { register as registerServe } from "./serve.js";
import { register as registerTorrent } from "./torrent.js";

/** Builds the program with every command registered. */
export function buildProgram(): Command {
  const program = new Command("peer")
    .description("Share directories with other machines and download from them reliably.")
    .version(packageVersion(), "-V, --version", "print the version")
    .helpOption("-h, --help", "show help for a command")
    .exitOverride()
    .configureOutput({
      writeOut: (text) => process.stdout.write(text),
      writeErr: (text) => process.stderr.write(text),
    })
    .showHelpAfterError()
    .showSuggestionAfterError();
  program.addHelpText(
    "after",
    "\nExit codes: 0 ok, 1 the command failed, 2 bad arguments, 130 interrupted (get, downloads run).\n" +
      "Environment: PEER_DATA_DIR (default --data-dir), PEER_DATABASE_URL (default --database), PEER_KEY (default --key).\n" +
      "A <peer-url> may also be the name of a remote (peer remote add NAME URL).\n" +
      'Run "peer <command> --help" for the options of a command.\n',
  );
  registerServe(program);
  registerKeys(program);
  registerLinks(program);
  registerLs(program);
  registerGet(program);
  registerDownloads(program);
  registerRemote(program);
  registerTorrent(program);
  addUsageHints(program);
  return program;
}

/** Runs the CLI with the arguments after `peer`; resolves to the exit code (0 ok, 1 failure, 2 usage). */
export async function main(argv: readonly string[]): Promise<number> {
  const program = buildProgram();
  try {
    await program.parseAsync([...argv], { from: "user" });
    return ExitCode.ok;
  } catch (error) {
    return exitCodeOf(error);
  }
}

function exitCodeOf(error: unknown): number {
  if (error instanceof CommanderError) {
    // Help and --version end with "errors" of exit code 0. `peer` alone shows
    // help on stderr with code "commander.help" and exit code 1: a usage error.
    if (error.code === "commander.helpDisplayed" || error.code === "commander.version") return ExitCode.ok;
    if (error.code === USAGE_ERROR_CODE) return ExitCode.usage;
    return error.exitCode === 0 ? ExitCode.ok : ExitCode.usage;
  }
  if (error instanceof CliError) {
    // Messages may carry a peer's text (an error body, a name): never raw to the terminal.
    process.stderr.write(`peer: ${printableLines(error.message)}\n`);
    return error.exitCode;
  }
  const message = error instanceof Error ? error.message : String(error);
  process.stderr.write(`peer: unexpected error: ${printableLines(message)}\n`);
  if (process.env.PEER_DEBUG) process.stderr.write(`${error instanceof Error ? error.stack : ""}\n`);
  return ExitCode.failure;
}

/** After a usage error, each command points at its own `--help`. */
function addUsageHints(command: Command): void {
  command.showHelpAfterError(`(run "${commandPath(command)} --help" for usage)`);
  for (const sub of command.commands) addUsageHints(sub);
}

/** The version in package.json: one level up from cli/ (sources), two from dist/cli/ (the build). */
/** The package this command ships in (package.json `name`). */
const PACKAGE_NAME = "peer-share";

function packageVersion(): string {
  for (const relative of ["../package.json", "../../package.json"]) {
    try {
      const pkg = JSON.parse(readFileSync(new URL(relative, import.meta.url), "utf8")) as {
        name?: unknown;
        version?: unknown;
      };
      if (pkg.name === PACKAGE_NAME && typeof pkg.version === "string") return pkg.version;
    } catch {
      // Not this level: try the next.
    }
  }
  return "0.0.0";
}
