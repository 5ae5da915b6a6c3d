/**
 * How the service reaches other peers: through the remotes of its data dir
 * (`peer remote add`), read on every call so a remote added while the service
 * runs is used at once. Keys never travel in the API.
 */
import type { PeerRef } from "../client/index.js";
import { readRemotes, resolvePeer } from "../client/remotes/index.js";
import { invalid } from "./errors.js";

/** The peer of a remote's name, or of a URL a remote points at. */
export async function resolveRemote(dataDir: string, target: string): Promise<PeerRef> {
  const remotes = await readRemotes(dataDir);
  const resolved = resolvePeer({ target, key: undefined, remotes });
  if (!resolved.ok) {
    throw invalid(
      `cannot reach "${target.slice(0, 200)}": ${resolved.error.replace(/pass --key KEY, set PEER_KEY, or /, "")}`,
    );
  }
  return { url: resolved.value.url, key: resolved.value.key };
}

/** Every remote (name, URL, key) of the data dir. */
export async function allRemotes(dataDir: string): Promise<Array<{ name: string; peer: PeerRef }>> {
  return (await readRemotes(dataDir)).map((r) => ({ name: r.name, peer: { url: r.url, key: r.key } }));
}
