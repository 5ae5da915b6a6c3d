/**
 * The one place a command's `<peer>` argument becomes a URL and a key: a
 * remote's name gives its URL and its own key; a URL gives itself and the
 * command's `--key`, or, without one, the key of the remote at that URL.
 * Pure: the caller reads the remotes (remote-store.ts).
 */
import { normalizePeerUrl } from "../rpc/peer-client.js";
import { checkRemoteName } from "./remote-name.js";
import type { Remote } from "./remotes-format.js";

/** A peer argument, resolved. */
export interface ResolvedPeer {
  /** The peer's normalised base URL. */
  readonly url: string;
  /** The key to send (secret). */
  readonly key: string;
  /** The remote it came from, or null for a URL used with `--key`. */
  readonly remote: string | null;
}

/** The outcome of {@link resolvePeer}: errors are usage errors (the user fixes the command line). */
export type PeerResolution =
  | { readonly ok: true; readonly value: ResolvedPeer }
  | { readonly ok: false; readonly error: string };

/** Inputs of {@link resolvePeer}. */
export interface PeerArgument {
  /** What the user typed: a URL (`http://host:port`) or a remote's name. */
  readonly target: string;
  /** The command's `--key` / `PEER_KEY`, if any. */
  readonly key: string | undefined;
  /** The stored remotes. */
  readonly remotes: readonly Remote[];
}

const NO_KEY = "an API key is needed: pass --key KEY, set PEER_KEY, or save the peer with peer remote add NAME URL";

/** Resolves a `<peer>` argument. A remote's own key wins over `--key` (which is for the URLs of the command). */
export function resolvePeer(arg: PeerArgument): PeerResolution {
  if (checkRemoteName(arg.target) === undefined) return byName(arg);
  let url: string;
  try {
    url = normalizePeerUrl(arg.target);
  } catch (error) {
    return { ok: false, error: `${(error as Error).message} (or give the name of a remote: peer remote list)` };
  }
  const key = nonEmpty(arg.key);
  if (key !== undefined) return { ok: true, value: { url, key, remote: null } };
  const matches = arg.remotes.filter((r) => r.url === url);
  if (matches.length === 1) {
    const [remote] = matches as [Remote];
    return { ok: true, value: { url, key: remote.key, remote: remote.name } };
  }
  if (matches.length > 1) {
    const names = matches.map((r) => r.name).join(", ");
    return {
      ok: false,
      error: `several remotes point at ${url} (${names}): give one of these names instead of the URL, or --key`,
    };
  }
  return { ok: false, error: NO_KEY };
}

/** Whether `target` needs the stored remotes to be resolved (a name, or a URL without a key). */
export function needsRemotes(target: string, key: string | undefined): boolean {
  return checkRemoteName(target) === undefined || nonEmpty(key) === undefined;
}

function byName(arg: PeerArgument): PeerResolution {
  const remote = arg.remotes.find((r) => r.name === arg.target);
  if (remote === undefined) {
    return {
      ok: false,
      error: `no remote named "${arg.target}" (see peer remote list); a peer URL starts with http:// or https://`,
    };
  }
  return { ok: true, value: { url: remote.url, key: remote.key, remote: remote.name } };
}

function nonEmpty(text: string | undefined): string | undefined {
  return text === undefined || text === "" ? undefined : text;
}
