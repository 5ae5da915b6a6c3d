/**
 * The extra sources of an `enqueue` (`sources`, `mirrors`), checked and normalised before
 * anything is looked up (docs/downloads.md "Sources"): peer URLs normalised like the primary's,
 * duplicates dropped, mirrors http(s) without credentials, at most {@link MAX_JOB_SOURCES} in
 * all. Pure apart from hashing keys into their fingerprints.
 */
import { DownloadError } from "../errors.js";
import { keyRef } from "../remotes/key-ref.js";
import { checkMirrorUrl } from "./mirror-url.js";
import { normalizePeerUrl } from "../rpc/peer-client.js";
import { TRANSPORT_KINDS, type TransportKind } from "../rpc/transport-kind.js";

/** Most sources one job has: its peer, extra peers and mirrors together. */
export const MAX_JOB_SOURCES = 16;

/** An extra peer as given (the SDK's `PeerRef`). */
export interface PeerSourceInput {
  readonly url: string;
  readonly key: string;
  readonly transport?: TransportKind | undefined;
}

/** A checked extra peer: its key (to register with the manager, never stored) and fingerprint. */
export interface PlannedPeer {
  readonly url: string;
  readonly key: string;
  readonly keyRef: string;
  readonly transport: TransportKind;
}

/** The checked extra sources of one enqueue. */
export interface PlannedSources {
  readonly peers: readonly PlannedPeer[];
  readonly mirrors: readonly string[];
}

/** Inputs of {@link planSources}. */
export interface SourcesInput {
  /** The primary peer's normalised URL (never listed again as an extra peer). */
  readonly primaryUrl: string;
  readonly sources?: readonly PeerSourceInput[] | undefined;
  readonly mirrors?: readonly string[] | undefined;
  /** Transport of a source that names none: the manager's. */
  readonly defaultTransport: TransportKind;
}

function invalid(message: string): never {
  throw new DownloadError("invalid-argument", message);
}

function planPeer(source: PeerSourceInput, defaultTransport: TransportKind): PlannedPeer {
  if (source === null || typeof source !== "object" || typeof source.url !== "string")
    invalid("each source is a peer { url, key }, e.g. { url: 'http://10.0.0.2:8080', key }");
  const url = normalizePeerUrl(source.url);
  if (typeof source.key !== "string" || source.key === "")
    invalid(`the source ${url} has no API key: give its key (or save it with peer remote add NAME URL)`);
  const transport = source.transport ?? defaultTransport;
  if (!TRANSPORT_KINDS.includes(transport))
    invalid(`unknown transport "${String(transport)}" for ${url}; use one of ${TRANSPORT_KINDS.join(", ")}`);
  return { url, key: source.key, keyRef: keyRef(source.key), transport };
}

/** Checks the extra sources; throws DownloadError("invalid-argument") saying what to change. */
export function planSources(input: SourcesInput): PlannedSources {
  if (input.sources !== undefined && !Array.isArray(input.sources)) invalid("sources must be an array of peers");
  if (input.mirrors !== undefined && !Array.isArray(input.mirrors)) invalid("mirrors must be an array of URLs");
  const peers = new Map<string, PlannedPeer>();
  for (const source of input.sources ?? []) {
    const peer = planPeer(source, input.defaultTransport);
    if (peer.url !== input.primaryUrl && !peers.has(peer.url)) peers.set(peer.url, peer);
  }
  const mirrors = new Set<string>();
  for (const text of input.mirrors ?? []) {
    const checked = checkMirrorUrl(text);
    if (!checked.ok) invalid(checked.error);
    const asPeer = checked.value.replace(/\/+$/, "");
    if (asPeer === input.primaryUrl || peers.has(asPeer))
      invalid(`${checked.value} is given both as a peer and as a mirror; give it once`);
    mirrors.add(checked.value);
  }
  const total = 1 + peers.size + mirrors.size;
  if (total > MAX_JOB_SOURCES)
    invalid(`a job takes at most ${MAX_JOB_SOURCES} sources (its peer, sources and mirrors together), got ${total}`);
  return { peers: [...peers.values()], mirrors: [...mirrors] };
}
