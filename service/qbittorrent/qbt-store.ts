/**
 * What the qBittorrent API keeps beside the engine's queue (service.db):
 * torrents (hash → download), categories, and SID sessions stored as SHA-256.
 */
import { createHash, randomBytes } from "node:crypto";
import type { Kysely } from "kysely";
import type { ServiceDatabase } from "../store/database.js";

/** A torrent row. */
export interface QbtTorrent {
  /** The download's id, or the folder job's id when `folder`. */
  readonly downloadId: string;
  /** A multi-file torrent: `downloadId` is a folder job. @default false */
  readonly folder?: boolean | undefined;
  /** A folder torrent's files (paths below its name, sizes). @default [] */
  readonly files?: ReadonlyArray<readonly [string, number]> | undefined;
  readonly hash: string;
  readonly name: string;
  readonly category: string;
  readonly tags: readonly string[];
  readonly addedOn: number;
}

/** How long a SID lasts: 12 hours (re-login on 403 is what clients do). */
export const SID_LIFETIME_MS = 12 * 3_600_000;

const sha256 = (text: string): string => createHash("sha256").update(text, "utf8").digest("hex");
const splitTags = (t: string): string[] => (t === "" ? [] : t.split(","));

/** A stored file list; what is not `[[path, size], …]` is read as none. */
function parseFiles(text: string): Array<[string, number]> {
  try {
    const v: unknown = JSON.parse(text);
    return Array.isArray(v)
      ? v.filter(
          (f): f is [string, number] =>
            Array.isArray(f) && typeof f[0] === "string" && Number.isSafeInteger(f[1]) && (f[1] as number) >= 0,
        )
      : [];
  } catch {
    return [];
  }
}

/** The store. */
export function openQbtStore(db: Kysely<ServiceDatabase>, now: () => number = Date.now) {
  const toTorrent = (r: {
    download_id: string;
    hash: string;
    name: string;
    category: string;
    tags: string;
    added_on: number | string;
    kind: string;
    files: string;
  }): QbtTorrent => ({
    files: parseFiles(r.files),
    downloadId: r.download_id,
    folder: r.kind === "folder",
    hash: r.hash,
    name: r.name,
    category: r.category,
    tags: splitTags(r.tags),
    addedOn: Number(r.added_on),
  });
  return {
    async torrents(): Promise<QbtTorrent[]> {
      return (await db.selectFrom("qbt_torrent").selectAll().orderBy("added_on").execute()).map(toTorrent);
    },
    async byHash(hash: string): Promise<QbtTorrent | undefined> {
      const r = await db
        .selectFrom("qbt_torrent")
        .selectAll()
        .where("hash", "=", hash.toLowerCase())
        .executeTakeFirst();
      return r === undefined ? undefined : toTorrent(r);
    },
    async addTorrent(t: QbtTorrent): Promise<void> {
      await db
        .insertInto("qbt_torrent")
        .values({
          download_id: t.downloadId,
          hash: t.hash,
          name: t.name,
          category: t.category,
          tags: t.tags.join(","),
          added_on: t.addedOn,
          kind: t.folder === true ? "folder" : "file",
          files: JSON.stringify(t.files ?? []),
        })
        .execute();
    },
    async removeTorrent(hash: string): Promise<void> {
      await db.deleteFrom("qbt_torrent").where("hash", "=", hash).execute();
    },
    async setCategory(hashes: readonly string[], category: string): Promise<void> {
      if (hashes.length === 0) return;
      await db.updateTable("qbt_torrent").set({ category }).where("hash", "in", hashes).execute();
    },
    async setTags(hash: string, tags: readonly string[]): Promise<void> {
      await db
        .updateTable("qbt_torrent")
        .set({ tags: tags.join(",") })
        .where("hash", "=", hash)
        .execute();
    },
    async categories(): Promise<Array<{ name: string; savePath: string }>> {
      return (await db.selectFrom("qbt_category").selectAll().orderBy("name").execute()).map((c) => ({
        name: c.name,
        savePath: c.save_path,
      }));
    },
    async category(name: string): Promise<{ name: string; savePath: string } | undefined> {
      const c = await db.selectFrom("qbt_category").selectAll().where("name", "=", name).executeTakeFirst();
      return c === undefined ? undefined : { name: c.name, savePath: c.save_path };
    },
    async putCategory(name: string, savePath: string): Promise<void> {
      const existing = await db.selectFrom("qbt_category").select("name").where("name", "=", name).executeTakeFirst();
      if (existing === undefined) await db.insertInto("qbt_category").values({ name, save_path: savePath }).execute();
      else await db.updateTable("qbt_category").set({ save_path: savePath }).where("name", "=", name).execute();
    },
    async removeCategories(names: readonly string[]): Promise<void> {
      if (names.length === 0) return;
      await db.deleteFrom("qbt_category").where("name", "in", names).execute();
      await db.updateTable("qbt_torrent").set({ category: "" }).where("category", "in", names).execute();
    },
    /** A new SID for a key; the cookie value is only returned. */
    async createSession(keyId: string): Promise<{ token: string; expiresAt: number }> {
      const token = randomBytes(32).toString("base64url");
      const expiresAt = now() + SID_LIFETIME_MS;
      await db.deleteFrom("qbt_session").where("expires_at", "<=", now()).execute();
      await db
        .insertInto("qbt_session")
        .values({ token_hash: sha256(token), key_id: keyId, expires_at: expiresAt })
        .execute();
      return { token, expiresAt };
    },
    /** The key id of a live SID (looked up by its hash: the stored value is never compared as text). */
    async sessionKey(token: string): Promise<string | undefined> {
      if (!/^[A-Za-z0-9_-]{43}$/.test(token)) return undefined;
      const r = await db
        .selectFrom("qbt_session")
        .selectAll()
        .where("token_hash", "=", sha256(token))
        .executeTakeFirst();
      return r !== undefined && Number(r.expires_at) > now() ? r.key_id : undefined;
    },
    async endSession(token: string): Promise<void> {
      await db.deleteFrom("qbt_session").where("token_hash", "=", sha256(token)).execute();
    },
  };
}

/** The store's type. */
export type QbtStore = ReturnType<typeof openQbtStore>;
