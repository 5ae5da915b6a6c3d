/**
 * Share links in the server database: create (token shown once, only its
 * SHA-256 stored), list, revoke, resolve a presented token (constant-time
 * comparison of the hashes), and charge downloads (link-status.ts).
 */
import { createHmac, randomBytes as cryptoRandomBytes } from "node:crypto";
import { Code, ConnectError } from "@connectrpc/connect";
import type { Kysely } from "kysely";
import type { ServerDatabase } from "../store/database.js";
import {
  chargeShareLink,
  findLiveLinksOf,
  findShareLinkByHash,
  insertShareLink,
  listShareLinks,
  refundShareLink,
  revokeShareLink,
  type ShareLink,
} from "../store/share-link-repository.js";
import { checkLinkNote } from "./link-note.js";
import { downloadBudget, downloadCharge, linkStatus, type LinkStatus } from "./link-status.js";
import { formatLinkTarget, parseLinkTarget, type LinkTarget } from "./link-target.js";
import { formatToken, hashToken, isTokenShape, sameDigest, TOKEN_BYTES } from "../auth/secret-token.js";

/** Random bytes in a link id. @default 8 */
export const LINK_ID_BYTES = 8;

/** What {@link LinkStore.create} needs. */
export interface CreateLinkOptions {
  /** `share/path/file` or `share/folder/` (see link-target.ts). */
  readonly target: string;
  /** When the link stops working; must be in the future. Never when omitted. */
  readonly expiresAt?: Date | undefined;
  /** Whole downloads allowed (file links only); unlimited when omitted. */
  readonly maxDownloads?: number | undefined;
  /** Free text shown by `peer links list`. */
  readonly note?: string | undefined;
  /** Id of the API key that made the link (web page, torrents). */
  readonly createdBy?: string | undefined;
}

/** A fresh link: the only time its token is available. */
export interface CreatedLink {
  readonly id: string;
  /** The secret part of the URL. Show it once; it is not stored. */
  readonly token: string;
  readonly target: LinkTarget;
  readonly createdAt: Date;
  readonly expiresAt: Date | null;
  readonly maxDownloads: number | null;
  readonly note: string | null;
}

/** What {@link LinkStore.webSeedLink} needs. */
export interface WebSeedLinkOptions {
  /** The item id (or folder target) the link opens. */
  readonly target: string;
  /** Id of the API key asking (the link's creator). */
  readonly createdBy: string;
  /**
   * The secret the caller presented (API key or session token): a reused
   * link's token is derived from it, so only the same credential gets it back
   * and the database alone never reveals it.
   */
  readonly credential: string;
  /** Life asked for, in ms. A live link expiring within [now + life/2, now + life] is reused. */
  readonly lifeMs: number;
  /** Note of a new link. */
  readonly note?: string | undefined;
}

/** A link handed out for a torrent: new or reused. */
export interface WebSeedLink {
  readonly id: string;
  readonly token: string;
  readonly expiresAt: Date;
  /** Whether an existing link was reused (no row written). */
  readonly reused: boolean;
}

/** A stored link as listed (never its token). */
export interface LinkInfo extends ShareLink {
  /** active, expired or revoked (exhaustion depends on the file's size; see link-status.ts). */
  readonly status: LinkStatus;
}

/** Test seams of {@link openLinkStore}. */
export interface LinkStoreOptions {
  /** Clock, ms since the epoch. @default Date.now */
  readonly now?: () => number;
  /** Source of random bytes. @default crypto.randomBytes */
  readonly randomBytes?: (size: number) => Uint8Array;
}

/** Share links of this server. */
export interface LinkStore {
  /** Creates a link. Throws a RangeError on a bad target, expiry, count or note. */
  create(options: CreateLinkOptions): Promise<CreatedLink>;
  /** All links, oldest first. */
  list(): Promise<LinkInfo[]>;
  /**
   * The web-seed link of a torrent (docs/web.md, "Link lifecycle"): the live
   * link this credential got for `target` before, when its expiry suits,
   * else a new one. Repeated `GET /v1/torrents/…` then write no rows.
   */
  webSeedLink(options: WebSeedLinkOptions): Promise<WebSeedLink>;
  /** Revokes a link at once; false when no link has this id. */
  revoke(id: string): Promise<boolean>;
  /**
   * The live (not revoked, not expired) link of a presented token, read from
   * the database on every request; undefined otherwise, whatever the reason.
   * Rejects with ConnectError(Unavailable) only when the database cannot be read.
   */
  resolve(token: string | undefined): Promise<ShareLink | undefined>;
  /** Charges a response of `plannedFileBytes` to the link (false: revoked meanwhile, or budget spent). */
  charge(link: ShareLink, plannedFileBytes: number, size: number): Promise<boolean>;
  /** Gives back charged bytes that were not delivered. */
  refund(link: ShareLink, bytes: number): Promise<void>;
  /** The clock the store decides with. */
  now(): number;
}

const LINK_ID = /^[0-9a-f]{16}$/;
const DUMMY_HASH = "0".repeat(64);

/** Whether a string has the shape of a link id (16 lower-case hex characters). */
export function isLinkId(value: string): boolean {
  return LINK_ID.test(value);
}

/** Opens the link store over a migrated server database. */
export function openLinkStore(db: Kysely<ServerDatabase>, options: LinkStoreOptions = {}): LinkStore {
  const now = options.now ?? Date.now;
  const random = options.randomBytes ?? cryptoRandomBytes;

  async function create(input: CreateLinkOptions, tokenFor?: (id: string) => string): Promise<CreatedLink> {
    const parsed = parseLinkTarget(input.target);
    if (!parsed.ok) throw new RangeError(parsed.error);
    const target = parsed.value;
    const createdAt = now();
    const expires = input.expiresAt === undefined ? null : input.expiresAt.getTime();
    if (expires !== null && !Number.isFinite(expires)) throw new RangeError("the expiry is not a valid date");
    if (expires !== null && expires <= createdAt) throw new RangeError("the expiry must be in the future");
    const max = input.maxDownloads ?? null;
    if (max !== null && (!Number.isSafeInteger(max) || max < 1))
      throw new RangeError("--max-downloads must be a positive whole number");
    if (max !== null && target.kind === "folder") {
      throw new RangeError("--max-downloads applies to a file link; limit a folder link with --expires");
    }
    const note = input.note === undefined || input.note === "" ? null : input.note;
    const problem = note === null ? undefined : checkLinkNote(note);
    if (problem !== undefined) throw new RangeError(problem);
    const id = Buffer.from(random(LINK_ID_BYTES)).toString("hex");
    const token = tokenFor === undefined ? formatToken(random(TOKEN_BYTES)) : tokenFor(id);
    await insertShareLink(db, {
      id,
      token_hash: hashToken(token),
      target: formatLinkTarget(target),
      note,
      created_by: input.createdBy ?? null,
      created_at: createdAt,
      expires_at: expires,
      revoked_at: null,
      max_downloads: max,
      bytes_served: 0,
      last_used_at: null,
    });
    return {
      id,
      token,
      target,
      createdAt: new Date(createdAt),
      expiresAt: expires === null ? null : new Date(expires),
      maxDownloads: max,
      note,
    };
  }

  async function resolve(token: string | undefined): Promise<ShareLink | undefined> {
    const presented = hashToken(isTokenShape(token) ? token : "");
    let link: ShareLink | undefined;
    try {
      // Malformed tokens still cost one lookup, so the answer time says nothing about the shape.
      link = await findShareLinkByHash(db, presented);
    } catch (cause) {
      throw new ConnectError(
        "the link store is unavailable; retry later",
        Code.Unavailable,
        undefined,
        undefined,
        cause,
      );
    }
    // The lookup is by hash (an attacker cannot choose hash prefixes); the constant-time compare is defence in depth.
    const equal = sameDigest(link?.tokenHash ?? DUMMY_HASH, presented);
    if (link === undefined || !equal || !isTokenShape(token)) return undefined;
    return linkStatus(link, now()) === "active" ? link : undefined;
  }

  async function webSeedLink(input: WebSeedLinkOptions): Promise<WebSeedLink> {
    const at = now();
    const latest = at + input.lifeMs;
    const tokenFor = (id: string) => derivedToken(input.credential, id);
    for (const link of await findLiveLinksOf(db, input.target, input.createdBy, at + input.lifeMs / 2)) {
      if (link.expiresAt === null || link.expiresAt > latest || linkStatus(link, at) !== "active") continue;
      const token = tokenFor(link.id);
      // Links made with random tokens, or by another credential of the key, never match.
      if (sameDigest(link.tokenHash, hashToken(token)))
        return { id: link.id, token, expiresAt: new Date(link.expiresAt), reused: true };
    }
    const created = await create(
      { target: input.target, expiresAt: new Date(latest), createdBy: input.createdBy, note: input.note },
      tokenFor,
    );
    return { id: created.id, token: created.token, expiresAt: new Date(latest), reused: false };
  }

  return {
    create: (input) => create(input),
    webSeedLink,
    resolve,
    now,
    list: async () => {
      const at = now();
      return (await listShareLinks(db)).map((link) => ({ ...link, status: linkStatus(link, at) }));
    },
    revoke: async (id) => (isLinkId(id) ? revokeShareLink(db, id, now()) : false),
    charge: (link, planned, size) =>
      chargeShareLink(db, link.id, downloadCharge(planned, size), downloadBudget(link.maxDownloads, size), now()),
    refund: (link, bytes) => refundShareLink(db, link.id, bytes),
  };
}

/** A link token derived from a credential and a link id (HMAC-SHA256): 32 bytes, shaped like a random token. */
export function derivedToken(credential: string, linkId: string): string {
  return formatToken(createHmac("sha256", credential).update(`peer web-seed link\0${linkId}`).digest());
}
