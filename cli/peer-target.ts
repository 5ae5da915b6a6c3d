/**
 * The CLI side of remotes: turns a command's `<peer>` argument into a URL
 * and a key (client/remotes/resolve-peer.ts decides), reading
 * `<data-dir>/remotes.json` only when the argument needs it.
 */
import type { Command } from "commander";
import { needsRemotes, readRemotes, RemotesFileError, resolvePeer, type Remote, type ResolvedPeer } from "../client/remotes/index.js";
import { CliError, resolveDataDir, usageError } from "./common.js";

/** What a command knows when it resolves its `<peer>` argument. */
export interface PeerTargetOptions {
  /** `--key` / `PEER_KEY`. */
  readonly key?: string | undefined;
  /** `--data-dir` / `PEER_DATA_DIR` (where remotes.json lives). @default "./.peer" */
  readonly dataDir?: string | undefined;
}

/**
 * Resolves `<peer>` (a URL or a remote's name) to a URL and key. A bad
 * argument is a usage error (exit 2); an unsafe remotes file fails (exit 1).
 */
export async function resolvePeerArgument(command: Command, target: string, options: PeerTargetOptions): Promise<ResolvedPeer> {
  const remotes = needsRemotes(target, options.key) ? await loadRemotes(options.dataDir) : [];
  const resolved = resolvePeer({ target, key: options.key, remotes });
  if (!resolved.ok) return usageError(command, resolved.error);
  return resolved.value;
}

/** The keys of every stored remote: jobs find theirs by fingerprint (client/key-ref.ts). */
export async function storedRemoteKeys(dataDir: string | undefined): Promise<string[]> {
  return (await loadRemotes(dataDir)).map((r) => r.key);
}

/** Reads the remotes of the data dir; an unsafe or damaged file is a CliError that says how to fix it. */
export async function loadRemotes(dataDir: string | undefined): Promise<Remote[]> {
  try {
    return await readRemotes(resolveDataDir(dataDir));
  } catch (error) {
    if (error instanceof RemotesFileError) throw new CliError(error.message, { cause: error });
    throw error;
  }
}
