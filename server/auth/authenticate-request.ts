/**
 * The one authentication rule of every protected entry point (the Connect
 * interceptor, the ReadFile fast path, the HTTP file route): a presented key
 * that the key store accepts gives a principal; a missing key and an unknown,
 * expired or revoked one are refused alike, without saying which.
 */
import { Code, type ConnectError } from "@connectrpc/connect";
import { fail } from "../errors.js";
import type { Authenticate, Principal } from "./principal.js";
import { allows, type Requirement, scopeDeniedMessage } from "./scope.js";

/** Outcome of {@link authenticateRequest}. */
export type Authentication =
  | { readonly ok: true; readonly principal: Principal }
  | {
      readonly ok: false;
      /** Whether a well-formed key was presented (the HTTP route's `WWW-Authenticate` says `invalid_token` then). */
      readonly presented: boolean;
      /** Whether the key is valid but lacks the scope (PERMISSION_DENIED / 403 rather than UNAUTHENTICATED / 401). */
      readonly denied: boolean;
      /** The UNAUTHENTICATED (or PERMISSION_DENIED) error the RPC paths throw. */
      readonly error: ConnectError;
    };

/** Message when no key was sent. */
const MISSING = "an API key is required: send `Authorization: Bearer <key>` or `X-Api-Key: <key>`";
/** Message when the key was refused: never says whether it was unknown, expired or revoked. */
const REFUSED = "the API key is not valid (unknown, expired or revoked)";

/**
 * Checks `presentedKey` (from server/auth/token.ts's `extractApiKey`; undefined when the request held none)
 * with the key store's `authenticate`, then the key's scopes against `required` (server/auth/scope.ts).
 * @default required "read"
 */
export async function authenticateRequest(
  authenticate: Authenticate,
  presentedKey: string | undefined,
  required: Requirement = "read",
): Promise<Authentication> {
  const principal = presentedKey === undefined ? undefined : await authenticate(presentedKey);
  if (principal !== undefined) {
    if (allows(principal.scopes, required)) return { ok: true, principal };
    const scope = required === "none" ? "read" : required;
    return { ok: false, presented: true, denied: true, error: fail(Code.PermissionDenied, scopeDeniedMessage(scope)) };
  }
  const presented = presentedKey !== undefined;
  return { ok: false, presented, denied: false, error: fail(Code.Unauthenticated, presented ? REFUSED : MISSING) };
}
