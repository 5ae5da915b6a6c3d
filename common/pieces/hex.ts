/**
 * Edges between the tree's bytes and the wire/stores: roots are 64 lower-case
 * hex characters, piece layers are concatenated 32-byte nodes (hex in stores).
 */
import { HASH_SIZE } from "./tree.js";

const ROOT_PATTERN = /^[0-9a-f]{64}$/;

/** Lower-case hex of `bytes` ("" for none). */
export function toHex(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString("hex");
}

/** True when `text` is a pieces root as written on the wire: 64 lower-case hex characters. */
export function isRootHex(text: string): boolean {
  return ROOT_PATTERN.test(text);
}

/** The 32 bytes of a root written as 64 lower-case hex; throws a clear error otherwise. */
export function rootFromHex(text: string): Uint8Array {
  if (!isRootHex(text)) {
    throw new TypeError(`a pieces root is 64 lower-case hex characters, got ${JSON.stringify(text.slice(0, 80))}`);
  }
  return new Uint8Array(Buffer.from(text, "hex"));
}

/** Concatenates 32-byte nodes (a piece layer) into one buffer. */
export function joinNodes(nodes: readonly Uint8Array[]): Uint8Array {
  const out = new Uint8Array(nodes.length * HASH_SIZE);
  nodes.forEach((node, i) => {
    if (node.length !== HASH_SIZE) throw new RangeError(`node ${i} has ${node.length} bytes, not ${HASH_SIZE}`);
    out.set(node, i * HASH_SIZE);
  });
  return out;
}

/** Splits concatenated 32-byte nodes; throws when the length is not a multiple of 32. */
export function splitNodes(bytes: Uint8Array): Uint8Array[] {
  if (bytes.length % HASH_SIZE !== 0) {
    throw new RangeError(`hashes must be a multiple of ${HASH_SIZE} bytes, got ${bytes.length}`);
  }
  const nodes: Uint8Array[] = [];
  for (let offset = 0; offset < bytes.length; offset += HASH_SIZE) nodes.push(bytes.slice(offset, offset + HASH_SIZE));
  return nodes;
}

/** A piece layer as stored: lower-case hex of its concatenated nodes ("" for none). */
export function layerToHex(nodes: readonly Uint8Array[]): string {
  return toHex(joinNodes(nodes));
}

/** A stored piece layer back to nodes; throws on anything but even-length lower-case hex of 32-byte nodes. */
export function layerFromHex(text: string): Uint8Array[] {
  if (!/^(?:[0-9a-f]{64})*$/.test(text)) {
    throw new TypeError("a stored piece layer is lower-case hex of 32-byte nodes");
  }
  return splitNodes(new Uint8Array(Buffer.from(text, "hex")));
}
