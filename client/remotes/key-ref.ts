/** A key's fingerprint, stored in job rows instead of the key. */
import { createHash } from "node:crypto";

/** `sha256:<first 16 hex>` of the key. */
export function keyRef(key: string): string {
  return `sha256:${createHash("sha256").update(key).digest("hex").slice(0, 16)}`;
}
