/**
 * Protocol version negotiation (docs/protocol.md "Handshake"): the client refuses a
 * peer whose protocol version is below its minimum, and a peer that refuses
 * clients of this version.
 */

/** The protocol version this client speaks. */
export const CLIENT_PROTOCOL_VERSION = "1.0.0";
/** The lowest peer protocol version this client accepts. */
export const MIN_PEER_PROTOCOL_VERSION = "1.0.0";

/** Parses `MAJOR.MINOR.PATCH` (pre-release/build suffixes ignored); undefined when malformed. */
export function parseSemver(v: string): [number, number, number] | undefined {
  const m = /^v?(\d{1,9})\.(\d{1,9})\.(\d{1,9})(?:[-+].*)?$/.exec(v.trim());
  if (m === null) return undefined;
  return [Number(m[1]), Number(m[2]), Number(m[3])];
}

/** Compares two versions: negative, 0, positive. Malformed versions sort lowest. */
export function compareSemver(a: string, b: string): number {
  const pa = parseSemver(a) ?? [-1, -1, -1];
  const pb = parseSemver(b) ?? [-1, -1, -1];
  for (let i = 0; i < 3; i++) {
    const d = (pa[i] ?? 0) - (pb[i] ?? 0);
    if (d !== 0) return d;
  }
  return 0;
}

/**
 * Checks a peer's Handshake answer. Returns undefined when compatible, else a
 * message that says what is wrong and what to do.
 */
export function checkCompatibility(
  peer: { protocolVersion: string; minClientVersion: string },
  client: { version: string; minPeerVersion: string } = {
    version: CLIENT_PROTOCOL_VERSION,
    minPeerVersion: MIN_PEER_PROTOCOL_VERSION,
  },
): string | undefined {
  if (parseSemver(peer.protocolVersion) === undefined) {
    return `the peer reported an invalid protocol version "${peer.protocolVersion}"; it is not a peer this client can talk to`;
  }
  if (compareSemver(peer.protocolVersion, client.minPeerVersion) < 0) {
    return `the peer speaks protocol ${peer.protocolVersion}, older than ${client.minPeerVersion} which this client needs; upgrade the peer`;
  }
  if (peer.minClientVersion !== "" && compareSemver(client.version, peer.minClientVersion) < 0) {
    return `the peer needs clients of protocol ${peer.minClientVersion} or later, this client speaks ${client.version}; upgrade this client`;
  }
  return undefined;
}
