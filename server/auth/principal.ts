import type { Scope } from "./scope.js";

/** Who is calling: the API key that authenticated a request (never the key itself). */
export interface Principal {
  /** The key's public id, safe to log. */
  readonly keyId: string;
  /** The key's human name, safe to log. */
  readonly keyName: string;
  /** What the key may do (server/auth/scope.ts). */
  readonly scopes: readonly Scope[];
}

/**
 * Checks a presented secret key. Returns the principal, or `undefined` when
 * the key is missing, unknown, expired or revoked (callers answer
 * UNAUTHENTICATED / 401 without saying which).
 */
export type Authenticate = (presentedKey: string | undefined) => Promise<Principal | undefined>;
