/**
 * Web sessions (docs/web.md): a browser signs in once with an API key and
 * gets a random cookie (256 bits; only its SHA-256 stored). Every request
 * re-reads the session and its key, so a session dies at its expiry, at
 * sign-out, and as soon as its key is revoked or expires.
 */
import { createHash, randomBytes as cryptoRandomBytes } from "node:crypto";
import { Code, ConnectError } from "@connectrpc/connect";
import type { Kysely } from "kysely";
import { statusOf } from "../auth/key-store.js";
import type { Principal } from "../auth/principal.js";
import { readScopes } from "../auth/scope.js";
import { findApiKeyById } from "../store/api-key-repository.js";
import type { ServerDatabase } from "../store/database.js";
import {
  deleteExpiredWebSessions,
  deleteWebSession,
  findWebSessionByHash,
  insertWebSession,
} from "../store/web-session-repository.js";
import { formatToken, hashToken, isTokenShape, sameDigest, TOKEN_BYTES } from "../auth/secret-token.js";

/** How long a sign-in lasts (never beyond its key's expiry): 12 hours. */
export const SESSION_LIFETIME_MS = 12 * 3_600_000;

/** A signed-in browser, as a request sees it. */
export interface ActiveSession {
  /** Public session id (logged). */
  readonly id: string;
  /** The key it signed in with. */
  readonly principal: Principal;
  /** The CSRF token of its forms. */
  readonly csrf: string;
  /** Expiry, ms since the epoch. */
  readonly expiresAt: number;
}

/** A new session: the cookie value is only here. */
/** A live session and the cookie value that named it (never logged). */
export type RequestSession = ActiveSession & { readonly token: string };

export interface CreatedSession extends ActiveSession {
  /** The cookie value. Never log it. */
  readonly token: string;
}

/** Options of {@link openSessionStore}. */
export interface SessionStoreOptions {
  /** Clock, ms since the epoch. @default Date.now */
  readonly now?: () => number;
  /** Random bytes. @default crypto.randomBytes */
  readonly randomBytes?: (size: number) => Uint8Array;
  /** Session lifetime. @default SESSION_LIFETIME_MS */
  readonly lifetimeMs?: number;
}

/** Web sessions of this server. */
export interface SessionStore {
  /** Starts a session for a principal just authenticated (it ends no later than the key's expiry). */
  create(principal: Principal): Promise<CreatedSession>;
  /** The live session of a cookie value (its key still active), else undefined. */
  resolve(token: string | undefined): Promise<ActiveSession | undefined>;
  /** Ends a session (sign-out). */
  end(id: string): Promise<void>;
}

/** The CSRF token of a session: derived from the cookie value (nothing more to store), useless without it. */
export function csrfTokenFor(sessionToken: string): string {
  return createHash("sha256").update(`peer-csrf\u0000${sessionToken}`, "utf8").digest("base64url");
}

const DUMMY_HASH = "0".repeat(64);

/** Opens the session store over a migrated server database. */
export function openSessionStore(db: Kysely<ServerDatabase>, options: SessionStoreOptions = {}): SessionStore {
  const now = options.now ?? Date.now;
  const random = options.randomBytes ?? cryptoRandomBytes;
  const lifetime = options.lifetimeMs ?? SESSION_LIFETIME_MS;

  async function create(principal: Principal): Promise<CreatedSession> {
    const at = now();
    const key = await findApiKeyById(db, principal.keyId);
    if (key === undefined) throw new Error("the key of a new session must exist");
    const keyExpiresAt = key.expires_at;
    // Housekeeping: sessions past their expiry are useless; drop them as new ones come.
    await deleteExpiredWebSessions(db, at).catch(() => 0);
    const id = Buffer.from(random(8)).toString("hex");
    const token = formatToken(random(TOKEN_BYTES));
    const expiresAt = Math.min(at + lifetime, keyExpiresAt ?? Number.MAX_SAFE_INTEGER);
    await insertWebSession(db, {
      id,
      token_hash: hashToken(token),
      key_id: principal.keyId,
      created_at: at,
      expires_at: expiresAt,
    });
    return { id, token, principal, csrf: csrfTokenFor(token), expiresAt };
  }

  async function resolve(token: string | undefined): Promise<ActiveSession | undefined> {
    const presented = hashToken(isTokenShape(token) ? token : "");
    try {
      const session = await findWebSessionByHash(db, presented);
      if (!sameDigest(session?.tokenHash ?? DUMMY_HASH, presented) || session === undefined || !isTokenShape(token))
        return undefined;
      const at = now();
      if (session.expiresAt <= at) return undefined;
      // The key is read on every request: revoking it ends its sessions at once.
      const key = await findApiKeyById(db, session.keyId);
      if (key === undefined || statusOf(key, at) !== "active") return undefined;
      return {
        id: session.id,
        principal: { keyId: key.id, keyName: key.name, scopes: readScopes(key.scopes) },
        csrf: csrfTokenFor(token),
        expiresAt: session.expiresAt,
      };
    } catch (cause) {
      throw new ConnectError(
        "the session store is unavailable; retry later",
        Code.Unavailable,
        undefined,
        undefined,
        cause,
      );
    }
  }

  return { create, resolve, end: (id) => deleteWebSession(db, id) };
}
