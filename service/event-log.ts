/**
 * The numbered log of download state changes (docs/service.md): each change is
 * stored before it is announced, so a WatchDownloads client that reconnects
 * with its last cursor gets every change after it, across server restarts.
 * Sequence numbers are max + 1 under the primary key (a clash between replicas
 * is retried), and the log keeps the newest {@link EVENT_LOG_KEEP} entries.
 */
import type { Kysely } from "kysely";
import { isUniqueViolation } from "../common/store/dialect.js";
import type { ServiceDatabase } from "./store/database.js";

/** Entries kept; a cursor older than the oldest kept one gets a fresh snapshot. @default 10000 */
export const EVENT_LOG_KEEP = 10_000;

/** One stored state change. */
export interface StateEvent {
  readonly seq: number;
  readonly downloadId: string;
  readonly state: string;
  readonly at: number;
}

/** The log. */
export interface EventLog {
  /** Stores a change and returns it with its number. */
  append(downloadId: string, state: string, at: number): Promise<StateEvent>;
  /** Changes after `seq`, oldest first (at most `limit`), or undefined when `seq` is older than what is kept. */
  after(seq: number, limit: number): Promise<StateEvent[] | undefined>;
  /** The newest number (0 for an empty log). */
  last(): Promise<number>;
}

/** Opens the log over a migrated service database. */
export function openEventLog(db: Kysely<ServiceDatabase>): EventLog {
  const last = async (): Promise<number> => {
    const row = await db
      .selectFrom("download_event")
      .select((eb) => eb.fn.max("seq").as("seq"))
      .executeTakeFirst();
    return Number(row?.seq ?? 0);
  };
  const first = async (): Promise<number> => {
    const row = await db
      .selectFrom("download_event")
      .select((eb) => eb.fn.min("seq").as("seq"))
      .executeTakeFirst();
    return Number(row?.seq ?? 0);
  };
  return {
    last,
    async append(downloadId, state, at) {
      for (let attempt = 0; ; attempt++) {
        const seq = (await last()) + 1;
        try {
          await db.insertInto("download_event").values({ seq, download_id: downloadId, state, at }).execute();
        } catch (error) {
          if (isUniqueViolation(error) && attempt < 20) continue;
          throw error;
        }
        if (seq % 1000 === 0)
          await db
            .deleteFrom("download_event")
            .where("seq", "<=", seq - EVENT_LOG_KEEP)
            .execute();
        return { seq, downloadId, state, at };
      }
    },
    async after(seq, limit) {
      if (seq > (await last())) return undefined; // a cursor from another (or a reset) database
      const oldest = await first();
      // Entries seq+1… must all still be there: the oldest kept one may be at most seq+1.
      if (oldest > seq + 1) return undefined;
      const rows = await db
        .selectFrom("download_event")
        .selectAll()
        .where("seq", ">", seq)
        .orderBy("seq")
        .limit(limit)
        .execute();
      return rows.map((r) => ({ seq: Number(r.seq), downloadId: r.download_id, state: r.state, at: Number(r.at) }));
    },
  };
}
