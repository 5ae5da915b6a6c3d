/** Handshake: who this server is, which protocol it speaks, what it can do. */
import { create } from "@bufbuild/protobuf";
import { HandshakeResponseSchema, type HandshakeResponse } from "../../gen/peer/v1/peer_pb.js";
import type { Catalog } from "../catalog/catalog.js";

/** The protocol version this server speaks (semver). */
export const PROTOCOL_VERSION = "1.0.0";
/** The lowest client protocol version accepted (semver). */
export const MIN_CLIENT_VERSION = "1.0.0";
/** Capabilities advertised to clients. */
export const CAPABILITIES: readonly string[] = Object.freeze([
  "read_limit",
  "if_match",
  "sha256",
  "http_ranges",
  "shares",
  "folders",
]);
/** Advertised when the server computes BEP 52 pieces roots (Item.pieces_root, GetPieceHashes; docs/pieces.md). */
export const PIECES_CAPABILITY = "pieces";

/** Creates the Handshake implementation. */
export function createHandshake(options: { serverName: string; catalog: Catalog; pieces?: boolean }) {
  return async function handshake(): Promise<HandshakeResponse> {
    return create(HandshakeResponseSchema, {
      serverName: options.serverName,
      protocolVersion: PROTOCOL_VERSION,
      minClientVersion: MIN_CLIENT_VERSION,
      capabilities: options.pieces ? [...CAPABILITIES, PIECES_CAPABILITY] : [...CAPABILITIES],
      shares: [...options.catalog.shares()],
    });
  };
}
