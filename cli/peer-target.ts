/**
 * The CLI side of remotes: turns a command's `<peer>` argument into a URL
 * and a key (client/remotes/resolve-peer.ts decides), reading
 * `<data-dir>/remotes.json` only when the argument needs it.
 */
import type { Command } from "commander";
import type { Remote } from "../client/internal.js";
import { readRemotes, RemotesFileError } from "../client/internal.js";
import type { ResolvedPeer } from "../client/internal.js";
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
export async function resolvePeerArgument(
  command: Command,
  target: string,
  options: PeerTargetOptions,
): Promise<ResolvedPeer> {
  const [resolved] = await resolvePeerArguments(command, [target], options);
  return resolved as ResolvedPeer;
}

/**
 * Resolves several `<peer>` arguments (e.g. `peer get`'s peer and its `--source`s), reading the
 * remotes file at most once; each gets its remote's key, else `--key`.
 */
export async function resolvePeerArguments(
  command: Command,
  targets: readonly string[],
  options: PeerTargetOptions,
): Promise<ResolvedPeer[]> {
  // Loaded here, not at the top: it loads the URL check of the (heavy) peer client; `--help` stays fast.
  const { needsRemotes, resolvePeer } = await import("./lazy-client.js");
  const remotes = targets.some((t) => needsRemotes(t, options.key)) ? await loadRemotes(options.dataDir) : [];
  return targets.map((target) => {
    const resolved = resolvePeer({ target, key: options.key, remotes });
    return resolved.ok ? resolved.value : usageError(command, resolved.error);
  });
}

/** The keys of every stored remote: jobs find theirs by fingerprint (client/remotes/key-ref.ts). */
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
