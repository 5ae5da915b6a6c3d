/**
 * Bearer secrets of share links and web sessions: 32 random bytes as 43
 * base64url characters (256 bits; docs/web.md). Only their SHA-256 is stored;
 * stored and presented hashes are compared in constant time.
 */
import { createHash, timingSafeEqual } from "node:crypto";

/** Random bytes in a token. @default 32 */
export const TOKEN_BYTES = 32;

const TOKEN_PATTERN = /^[A-Za-z0-9_-]{43}$/;

/** Builds a token from {@link TOKEN_BYTES} random bytes. Throws a RangeError for any other length. */
export function formatToken(bytes: Uint8Array): string {
  if (bytes.length !== TOKEN_BYTES) throw new RangeError(`a token needs ${TOKEN_BYTES} random bytes`);
  return Buffer.from(bytes).toString("base64url");
}

/** Whether a presented string has the exact shape of a token (checked before any lookup). */
export function isTokenShape(value: string | undefined): value is string {
  return value !== undefined && TOKEN_PATTERN.test(value);
}

/** Lower-case hex SHA-256 of a token: the only form in which it is stored. */
export function hashToken(token: string): string {
  return createHash("sha256").update(token, "utf8").digest("hex");
}

/** Constant-time equality of two lower-case hex SHA-256 digests; false for anything else. */
export function sameDigest(a: string, b: string): boolean {
  if (a.length !== 64 || b.length !== 64) return false;
  const x = Buffer.from(a, "hex");
  const y = Buffer.from(b, "hex");
  return x.length === 32 && y.length === 32 && timingSafeEqual(x, y);
}
