import { createHash } from "node:crypto";

// An API key is `peer_<id>_<secret>`:
//   id      16 lower-case hex chars (8 random bytes): public, stored as the primary key, safe to log;
//   secret  43 base64url chars (32 random bytes, no padding): shown once, stored only as SHA-256.
// The prefix makes keys recognisable by secret scanners (as GitHub's `ghp_` does).

/** Prefix of every API key. */
export const KEY_PREFIX = "peer_";
/** Random bytes in a key id. @default 8 */
export const KEY_ID_BYTES = 8;
/** Random bytes in a key secret. @default 32 */
export const KEY_SECRET_BYTES = 32;

const ID_PATTERN = /^[0-9a-f]{16}$/;
const SECRET_PATTERN = /^[A-Za-z0-9_-]{43}$/;

/** The two parts of a well-formed key. */
export interface ParsedApiKey {
  /** Public key id. */
  readonly id: string;
  /** The secret part (never log it). */
  readonly secret: string;
}

/** Whether a string has the shape of a key id. */
export function isKeyId(value: string): boolean {
  return ID_PATTERN.test(value);
}

/** Splits a presented key into id and secret; `undefined` unless it is exactly well-formed. */
export function parseApiKey(key: string | undefined): ParsedApiKey | undefined {
  if (key === undefined || !key.startsWith(KEY_PREFIX)) return undefined;
  const rest = key.slice(KEY_PREFIX.length);
  // The id never contains "_", the secret may (base64url): split at the first.
  const sep = rest.indexOf("_");
  if (sep < 0) return undefined;
  const id = rest.slice(0, sep);
  const secret = rest.slice(sep + 1);
  if (!ID_PATTERN.test(id) || !SECRET_PATTERN.test(secret)) return undefined;
  return { id, secret };
}

/** Builds the key string from raw id and secret bytes. */
export function formatApiKey(idBytes: Uint8Array, secretBytes: Uint8Array): ParsedApiKey & { key: string } {
  if (idBytes.length !== KEY_ID_BYTES || secretBytes.length !== KEY_SECRET_BYTES) {
    throw new RangeError(`a key needs ${KEY_ID_BYTES} id bytes and ${KEY_SECRET_BYTES} secret bytes`);
  }
  const id = Buffer.from(idBytes).toString("hex");
  const secret = Buffer.from(secretBytes).toString("base64url");
  return { id, secret, key: `${KEY_PREFIX}${id}_${secret}` };
}

/** Lower-case hex SHA-256 of a secret: the only form in which it is stored. */
export function hashSecret(secret: string): string {
  return createHash("sha256").update(secret, "utf8").digest("hex");
}
