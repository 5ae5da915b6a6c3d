/**
 * `peer remote add|list|rm`: peers remembered by name with their own keys, in
 * `<data-dir>/remotes.json` (0600). A key is read once (stdin or PEER_KEY),
 * checked against the peer, and never printed again: `list` shows key ids.
 */
import { type Command, Option } from "commander";
// Direct imports, not the barrel: the barrel loads the peer client, and `--help` must stay fast.
import { checkKeyText, keyLabel } from "../client/internal.js";
import { checkRemoteName } from "../client/internal.js";
import { remotesPath, RemotesFileError, updateRemotes } from "../client/internal.js";
import type { Remote } from "../client/internal.js";
import {
  CliError,
  dataDirOption,
  jsonOption,
  resolveDataDir,
  usageError,
  writeErr,
  writeJsonLine,
  printListing,
} from "./common.js";
import { formatDate } from "./format.js";
import { loadRemotes } from "./peer-target.js";

/** Options of `peer remote add`. */
interface AddOptions {
  keyStdin?: boolean;
  check: boolean;
  force?: boolean;
  json?: boolean;
  dataDir?: string;
}

/** Registers `peer remote` and its subcommands. */
export function register(program: Command): void {
  const remote = program
    .command("remote")
    .description("remember peers by name, each with its own key: add, list, rm")
    .addHelpText(
      "after",
      "\nRemotes live in <data-dir>/remotes.json (default ./.peer, or PEER_DATA_DIR), readable by you only.\n" +
        "Every command that takes a peer URL also takes a remote's name: peer ls nas, peer get nas share/a.iso\n",
    );
  registerAdd(remote);
  registerList(remote);
  registerRm(remote);
}

/** `peer remote add`: remember a peer under a name, with its key (read from stdin or PEER_KEY). */
function registerAdd(remote: Command): void {
  remote
    .command("add")
    .description("remember a peer under a name, with its key (read from stdin or PEER_KEY)")
    .argument("<name>", "a short name: lower-case letters, digits, - and _, starting with a letter")
    .argument("<peer-url>", "the peer, e.g. http://192.168.1.20:8080")
    .addOption(new Option("--key-stdin", "read the key from standard input (one line)"))
    .addOption(new Option("--no-check", "save without asking the peer whether it accepts the key"))
    .addOption(new Option("--force", "replace a remote of the same name"))
    .addOption(jsonOption())
    .addOption(dataDirOption())
    .addHelpText(
      "after",
      "\nThe key comes from stdin with --key-stdin, else from PEER_KEY (never from an argument: arguments show in ps).\n" +
        "Unless --no-check, the peer must answer Handshake with that key before anything is saved.\n" +
        "Example: peer remote add nas http://192.168.1.20:8080 --key-stdin < nas.key\n",
    )
    .action(async (name: string, url: string, options: AddOptions, command: Command) => {
      const nameProblem = checkRemoteName(name);
      if (nameProblem !== undefined) return usageError(command, nameProblem);
      const { normalizePeerUrl } = await import("./lazy-client.js");
      let baseUrl: string;
      try {
        baseUrl = normalizePeerUrl(url);
      } catch (error) {
        return usageError(command, (error as Error).message);
      }
      const key = await readKey(command, options.keyStdin === true);
      if (options.check) await checkPeerAcceptsKey(baseUrl, key);
      const dataDir = resolveDataDir(options.dataDir);
      const added: Remote = { name, url: baseUrl, key, addedAt: new Date().toISOString() };
      const replaced = await storeChange(dataDir, (remotes) => {
        const existing = remotes.find((r) => r.name === name);
        if (existing !== undefined && options.force !== true) {
          throw new CliError(
            `a remote named "${name}" exists (${existing.url}); remove it first (peer remote rm ${name}) or pass --force`,
          );
        }
        return { remotes: [...remotes.filter((r) => r.name !== name), added], result: existing !== undefined };
      });
      if (options.json) {
        writeJsonLine(remoteJson(added));
        return;
      }
      writeErr(
        `${replaced ? "Replaced" : "Added"} remote "${name}": ${baseUrl} (key ${keyLabel(key)})` +
          `${options.check ? ", the peer accepted the key" : ", not checked"}.\n` +
          `The key is kept in ${remotesPath(dataDir)} (readable by you only). Try: peer ls ${name}\n`,
      );
    });
}

/** `peer remote list`: list the remotes: name, URL and key id (never the key). */
function registerList(remote: Command): void {
  remote
    .command("list")
    .description("list the remotes: name, URL and key id (never the key)")
    .addOption(jsonOption())
    .addOption(dataDirOption())
    .addHelpText("after", "\nWith --json, prints one object per remote: name, url, keyId, addedAt.\n")
    .action(async (options: { json?: boolean; dataDir?: string }) => {
      const remotes = await loadRemotes(options.dataDir);
      printListing(remotes, {
        json: options.json,
        toJson: remoteJson,
        emptyHint: "No remotes. Add one with: peer remote add NAME URL --key-stdin\n",
        columns: [
          { header: "NAME", value: (r) => r.name },
          { header: "KEY", value: (r) => keyLabel(r.key) },
          { header: "ADDED", value: (r) => formatDate(new Date(r.addedAt)) },
          { header: "URL", value: (r) => r.url },
        ],
      });
    });
}

/** `peer remote rm`: forget a remote and its key. */
function registerRm(remote: Command): void {
  remote
    .command("rm")
    .description("forget a remote and its key")
    .argument("<name>", "the remote's name (see peer remote list)")
    .addOption(dataDirOption())
    .action(async (name: string, options: { dataDir?: string }, command: Command) => {
      const nameProblem = checkRemoteName(name);
      if (nameProblem !== undefined) return usageError(command, nameProblem);
      const dataDir = resolveDataDir(options.dataDir);
      const removed = await storeChange(dataDir, (remotes) => {
        const found = remotes.find((r) => r.name === name);
        if (found === undefined) throw new CliError(`no remote named "${name}"; see peer remote list`);
        return { remotes: remotes.filter((r) => r.name !== name), result: found };
      });
      writeErr(`Removed remote "${name}" (${removed.url}); its key is no longer stored.\n`);
    });
}

/** The JSON form of a remote: never the key. */
export function remoteJson(r: Remote): Record<string, unknown> {
  return { name: r.name, url: r.url, keyId: keyLabel(r.key), addedAt: r.addedAt };
}

/** Changes the stored remotes; a file problem becomes a CliError. */
async function storeChange<T>(
  dataDir: string,
  change: (remotes: Remote[]) => { remotes: Remote[]; result: T },
): Promise<T> {
  try {
    return await updateRemotes(dataDir, change);
  } catch (error) {
    if (error instanceof RemotesFileError) throw new CliError(error.message, { cause: error });
    throw error;
  }
}

/** The key from stdin (`--key-stdin`) or PEER_KEY; a missing or unusable key is a usage error. */
async function readKey(command: Command, fromStdin: boolean): Promise<string> {
  let key: string;
  if (fromStdin) {
    key = await readStdinLine();
  } else {
    key = process.env.PEER_KEY ?? "";
    if (key === "") {
      return usageError(command, "give the key on stdin with --key-stdin (e.g. --key-stdin < nas.key) or in PEER_KEY");
    }
  }
  const problem = checkKeyText(key);
  if (problem !== undefined)
    return usageError(command, `${problem} (${fromStdin ? "read from stdin" : "from PEER_KEY"})`);
  return key;
}

/** Reads stdin: the whole of a pipe (one line, a final newline ignored), or one line typed on a terminal. */
async function readStdinLine(): Promise<string> {
  if (process.stdin.isTTY) {
    process.stderr.write("Paste the key, then press Enter: ");
    const { createInterface } = await import("node:readline"); // only when a key is read: not on every command
    const rl = createInterface({ input: process.stdin });
    try {
      for await (const line of rl) return line.trim();
      return "";
    } finally {
      rl.close();
    }
  }
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of process.stdin) {
    const buffer = Buffer.isBuffer(chunk) ? chunk : Buffer.from(String(chunk));
    size += buffer.length;
    // A key is a line; anything far larger is the wrong input (a file, a binary).
    if (size > 64 * 1024) throw new CliError("stdin holds more than 64 KiB; --key-stdin expects one line with the key");
    chunks.push(buffer);
  }
  return Buffer.concat(chunks)
    .toString("utf8")
    .replace(/\r?\n$/, "");
}

/** Asks the peer for a Handshake with `key`; a refusal or no answer fails the command, and nothing is saved. */
async function checkPeerAcceptsKey(baseUrl: string, key: string): Promise<void> {
  // Loaded here, not at the top: `--help` and usage errors stay fast.
  const [{ classify, createPeerClient }, { describeFailure }] = await Promise.all([
    import("../client/index.js"),
    import("./ls.js"),
  ]);
  const client = createPeerClient({ baseUrl, apiKey: key, clientName: "peer-cli", timeoutMs: 15_000 });
  try {
    await client.handshake();
  } catch (error) {
    const e = classify(error);
    const why =
      e.code === "unauthenticated"
        ? `the peer at ${baseUrl} refused the key (unknown, expired or revoked)`
        : describeFailure(e, baseUrl);
    throw new CliError(`${why} (nothing was saved; --no-check saves the remote without asking the peer)`, {
      cause: error,
    });
  } finally {
    client.close();
  }
}
