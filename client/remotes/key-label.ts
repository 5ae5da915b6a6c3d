/**
 * How a remote's key is shown: the public key id of a `peer_<id>_<secret>`
 * key (what `peer keys list` shows on the serving side), else the key's
 * fingerprint. The key itself is never shown after `peer remote add`.
 */
import { keyRef } from "./key-ref.js";

const PEER_KEY_PATTERN = /^peer_([0-9a-f]{16})_[A-Za-z0-9_-]{43}$/;

/** The key id (16 hex) of a peer key, else its `sha256:<16 hex>` fingerprint. */
export function keyLabel(key: string): string {
  const match = PEER_KEY_PATTERN.exec(key);
  return match?.[1] ?? keyRef(key);
}

/** Longest key accepted. @default 4096 */
export const KEY_MAX_LENGTH = 4096;

/**
 * Why `key` cannot be sent as a bearer token, or `undefined` when it can.
 * The key goes into an HTTP header: printable ASCII, no spaces.
 */
export function checkKeyText(key: string): string | undefined {
  if (key === "") return "the key is empty";
  if (key.length > KEY_MAX_LENGTH) return `the key is longer than ${KEY_MAX_LENGTH} characters`;
  if (!/^[\x21-\x7e]+$/.test(key)) return "the key must be one line of printable characters without spaces";
  return undefined;
}
