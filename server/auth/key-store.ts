import { randomBytes as cryptoRandomBytes, timingSafeEqual } from "node:crypto";
import { Code, ConnectError } from "@connectrpc/connect";
import type { Kysely } from "kysely";
import type { ApiKeyRow } from "../store/api-key.table.js";
import {
  countApiKeys,
  findApiKeyById,
  insertApiKey,
  listApiKeys,
  revokeApiKey,
  touchApiKey,
} from "../store/api-key-repository.js";
import type { ServerDatabase } from "../store/database.js";
import { formatApiKey, hashSecret, isKeyId, KEY_ID_BYTES, KEY_SECRET_BYTES, parseApiKey } from "./key-format.js";
import { checkKeyName } from "./key-name.js";
import type { Authenticate, Principal } from "./principal.js";
import { DEFAULT_SCOPES, formatScopes, readScopes, type Scope } from "./scope.js";

/** Whether a key can be used now. */
export type KeyStatus = "active" | "expired" | "revoked";

/** What `create` needs. */
export interface CreateKeyOptions {
  /** Human name, 1–64 printable characters. */
  readonly name: string;
  /** When the key stops working; must be in the future. Never expires when omitted. */
  readonly expiresAt?: Date | undefined;
  /** What the key may do. @default ["read"] */
  readonly scopes?: readonly Scope[] | undefined;
}

/** A freshly created key: the only time the secret `key` is available. */
export interface CreatedKey {
  /** Public key id. */
  readonly id: string;
  /** Human name. */
  readonly name: string;
  /** The full secret key, `peer_<id>_<secret>`. Show it once; it is not stored. */
  readonly key: string;
  /** Creation time. */
  readonly createdAt: Date;
  /** Expiry, or `null` for never. */
  readonly expiresAt: Date | null;
  /** What the key may do. */
  readonly scopes: readonly Scope[];
}

/** A stored key as listed (never its secret). */
export interface KeyInfo {
  /** Public key id. */
  readonly id: string;
  /** Human name. */
  readonly name: string;
  /** Creation time. */
  readonly createdAt: Date;
  /** Expiry, or `null` for never. */
  readonly expiresAt: Date | null;
  /** Revocation time, or `null`. */
  readonly revokedAt: Date | null;
  /** Last successful use (recorded at most once per `touchIntervalMs`), or `null`. */
  readonly lastUsedAt: Date | null;
  /** Whether the key works now. */
  readonly status: KeyStatus;
  /** What the key may do. */
  readonly scopes: readonly Scope[];
}

/** Creates, lists, revokes and checks API keys stored in the server database. */
export interface KeyStore {
  /** Creates a key and returns it with its secret (shown once). Throws a RangeError on a bad name or expiry. */
  create(options: CreateKeyOptions): Promise<CreatedKey>;
  /** All keys, oldest first, without secrets. */
  list(): Promise<KeyInfo[]>;
  /** Number of keys ever created, revoked and expired ones included. */
  count(): Promise<number>;
  /** Revokes a key at once. Returns false when no key has this id; true when it exists (revoked now or before). */
  revoke(id: string): Promise<boolean>;
  /** The principal of an active key by its id (a session tied to a key re-checks it with this), else undefined. */
  principal(id: string): Promise<Principal | undefined>;
  /**
   * Checks a presented key against the database on every call, so revocation
   * by another process applies at once. Rejects with `ConnectError(Unavailable)`
   * only when the database cannot be read.
   */
  authenticate: Authenticate;
}

/** Test seams and tuning for {@link openKeyStore}. */
export interface KeyStoreOptions {
  /**
   * Clock, ms since the epoch.
   * @default Date.now
   */
  readonly now?: () => number;
  /**
   * Source of random bytes for ids and secrets.
   * @default crypto.randomBytes
   */
  readonly randomBytes?: (size: number) => Uint8Array;
  /**
   * Minimum time between two writes of `last_used_at` for one key, so that a
   * busy key does not turn every call into a database write.
   * @default 60000
   */
  readonly touchIntervalMs?: number;
}

/** Default for {@link KeyStoreOptions.touchIntervalMs}. */
export const DEFAULT_TOUCH_INTERVAL_MS = 60_000;

// Compared against when the id is unknown, so that unknown ids and wrong
// secrets cost the same work.
const DUMMY_HASH = Buffer.alloc(32);

/** Opens the key store over a migrated server database. */
export function openKeyStore(db: Kysely<ServerDatabase>, options: KeyStoreOptions = {}): KeyStore {
  const now = options.now ?? Date.now;
  const random = options.randomBytes ?? cryptoRandomBytes;
  const touchIntervalMs = options.touchIntervalMs ?? DEFAULT_TOUCH_INTERVAL_MS;

  async function create({ name, expiresAt, scopes = DEFAULT_SCOPES }: CreateKeyOptions): Promise<CreatedKey> {
    const problem = checkKeyName(name);
    if (problem !== undefined) throw new RangeError(problem);
    const storedScopes = formatScopes(scopes);
    const createdAt = now();
    let expires: number | null = null;
    if (expiresAt !== undefined) {
      expires = expiresAt.getTime();
      if (!Number.isFinite(expires)) throw new RangeError("the expiry is not a valid date");
      if (expires <= createdAt) throw new RangeError("the expiry must be in the future");
    }
    const { id, secret, key } = formatApiKey(random(KEY_ID_BYTES), random(KEY_SECRET_BYTES));
    await insertApiKey(db, {
      id,
      name,
      hash: hashSecret(secret),
      created_at: createdAt,
      expires_at: expires,
      revoked_at: null,
      last_used_at: null,
      scopes: storedScopes,
    });
    return {
      id,
      name,
      key,
      scopes: readScopes(storedScopes),
      createdAt: new Date(createdAt),
      expiresAt: expires === null ? null : new Date(expires),
    };
  }

  async function list(): Promise<KeyInfo[]> {
    const at = now();
    return (await listApiKeys(db)).map((row) => toKeyInfo(row, at));
  }

  async function revoke(id: string): Promise<boolean> {
    if (!isKeyId(id)) return false;
    return revokeApiKey(db, id, now());
  }

  const authenticate: Authenticate = async (presentedKey) => {
    const parsed = parseApiKey(presentedKey);
    if (parsed === undefined) return undefined;
    // Looked up on every call (a primary-key read): a `peer keys revoke` in
    // another process takes effect on the very next call.
    let row: ApiKeyRow | undefined;
    try {
      row = await findApiKeyById(db, parsed.id);
    } catch (cause) {
      // Not the caller's fault and not "unauthenticated": a retryable server
      // condition (e.g. the file locked past busy_timeout, or the server closing).
      throw new ConnectError(
        "the key store is unavailable; retry later",
        Code.Unavailable,
        undefined,
        undefined,
        cause,
      );
    }
    const presented = Buffer.from(hashSecret(parsed.secret), "hex");
    const stored = row === undefined ? DUMMY_HASH : Buffer.from(row.hash, "hex");
    const equal = stored.length === presented.length && timingSafeEqual(stored, presented);
    if (row === undefined || !equal) return undefined;
    const at = now();
    if (statusOf(row, at) !== "active") return undefined;
    if (row.last_used_at === null || at - row.last_used_at >= touchIntervalMs) {
      // Bookkeeping only: a failed write (e.g. the file is locked) must not fail the call.
      await touchApiKey(db, row.id, at).catch(() => undefined);
    }
    const principal: Principal = { keyId: row.id, keyName: row.name, scopes: readScopes(row.scopes) };
    return principal;
  };

  async function principal(id: string): Promise<Principal | undefined> {
    if (!isKeyId(id)) return undefined;
    const row = await findApiKeyById(db, id);
    if (row === undefined || statusOf(row, now()) !== "active") return undefined;
    return { keyId: row.id, keyName: row.name, scopes: readScopes(row.scopes) };
  }

  return { create, list, count: () => countApiKeys(db), revoke, authenticate, principal };
}

/** Whether a stored key works at `at` (ms since the epoch). */
export function statusOf(row: Pick<ApiKeyRow, "expires_at" | "revoked_at">, at: number): KeyStatus {
  if (row.revoked_at !== null) return "revoked";
  if (row.expires_at !== null && row.expires_at <= at) return "expired";
  return "active";
}

function toKeyInfo(row: ApiKeyRow, at: number): KeyInfo {
  return {
    id: row.id,
    name: row.name,
    createdAt: new Date(row.created_at),
    expiresAt: toDate(row.expires_at),
    revokedAt: toDate(row.revoked_at),
    lastUsedAt: toDate(row.last_used_at),
    status: statusOf(row, at),
    scopes: readScopes(row.scopes),
  };
}

function toDate(ms: number | null): Date | null {
  return ms === null ? null : new Date(ms);
}
