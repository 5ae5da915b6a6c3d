/**
 * Prepared statements kept for reuse under Kysely's SQLite dialect. Kysely asks better-sqlite3 to
 * prepare every query anew; a store runs the same few dozen statements over and over, and preparing
 * them was the largest single cost of many small downloads (docs/performance.md "Current figures", many small files).
 * A statement that is busy (an open iterator) is never handed out twice: a fresh one is prepared.
 */
import type Database from "better-sqlite3";
import type { SqliteDatabase } from "kysely";

/** Statements kept per connection: 256 (LRU). */
export const DEFAULT_STATEMENT_CACHE_SIZE = 256;

/** Kysely's `SqliteDatabase` over `sqlite`, preparing each distinct SQL text once. */
export function cachingStatements(
  sqlite: Database.Database,
  max: number = DEFAULT_STATEMENT_CACHE_SIZE,
): SqliteDatabase & { readonly cached: number } {
  const cache = new Map<string, Database.Statement>();
  return {
    get cached() {
      return cache.size;
    },
    prepare(sql) {
      const hit = cache.get(sql);
      if (hit !== undefined && !hit.busy) {
        cache.delete(sql); // most recently used last
        cache.set(sql, hit);
        return hit;
      }
      const statement = sqlite.prepare(sql);
      if (hit === undefined) {
        cache.set(sql, statement);
        if (cache.size > max) cache.delete(cache.keys().next().value as string);
      }
      return statement;
    },
    close() {
      cache.clear();
      sqlite.close();
    },
  };
}
