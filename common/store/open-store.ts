/**
 * Opens a store where its `--database` value says: SQLite in the data directory
 * by default, PostgreSQL for a `postgres://` URL; then migrates it (migrate-store.ts).
 * Nothing is created before the URL is parsed and the database answered.
 */
import { chmod, mkdir } from "node:fs/promises";
import path from "node:path";
import type { Kysely, MigrationProvider } from "kysely";
import { parseDatabaseUrl } from "./database-url.js";
import { migrateStore } from "./migrate-store.js";
import { openPostgres } from "./postgres-pool.js";
import { describe, openSqliteFile, type SqliteFile } from "./sqlite-file.js";
import { StoreError } from "./store-error.js";

/** Where and what to open. */
export interface OpenStoreOptions {
  /** Data directory for the SQLite file (created 0700 when missing); unused on PostgreSQL. */
  readonly dataDir: string;
  /** `--database` value: absent or empty → SQLite; `postgres://…` → PostgreSQL. @default undefined */
  readonly databaseUrl?: string | undefined;
  /** SQLite file name inside the data directory, e.g. "downloads.db". */
  readonly sqliteFile: string;
  /** Make the SQLite file 0600 (it holds key hashes). @default false */
  readonly privateFile?: boolean;
  /** What the store is, for error messages ("downloads", "server"). */
  readonly label: string;
  /** The store's name in PostgreSQL migration tables ("client", "server"). */
  readonly name: string;
  readonly provider: MigrationProvider;
  /** SQLite busy timeout, ms. */
  readonly busyTimeoutMs: number;
  /** SQLite foreign keys. @default false */
  readonly foreignKeys?: boolean;
  /** Called with the raw SQLite file after opening, before migrating (the client records its WAL). */
  readonly onSqlite?: ((file: SqliteFile<unknown>) => void) | undefined;
}

/** Opens and migrates a store; close it with `db.destroy()`. */
export async function openStore<DB>(o: OpenStoreOptions): Promise<Kysely<DB>> {
  const target = parseDatabaseUrl(o.databaseUrl);
  if (!target.ok) throw new StoreError(`bad --database: ${target.error}`);
  if (target.value.kind === "postgres") {
    const db = await openPostgres<DB>({ url: target.value.url, display: target.value.display, label: o.label });
    return migrated(db, o);
  }
  try {
    await mkdir(o.dataDir, { recursive: true, mode: 0o700 });
  } catch (cause) {
    throw new StoreError(`cannot create the data directory ${o.dataDir}: ${describe(cause)}`, { cause });
  }
  const file = path.join(o.dataDir, o.sqliteFile);
  const db = await openSqliteStoreFile<DB>(file, o);
  // Best effort: a filesystem without modes (or a file owned by someone else) still works.
  if (o.privateFile === true) await chmod(file, 0o600).catch(() => undefined);
  return db;
}

/** Opens and migrates a SQLite store at an exact file name (`":memory:"` in tests). */
export async function openSqliteStoreFile<DB>(
  filename: string,
  o: Pick<OpenStoreOptions, "label" | "name" | "provider" | "busyTimeoutMs" | "foreignKeys" | "onSqlite">,
): Promise<Kysely<DB>> {
  const file = await openSqliteFile<DB>({
    filename,
    label: o.label,
    busyTimeoutMs: o.busyTimeoutMs,
    foreignKeys: o.foreignKeys,
    hint: "; check --data-dir",
  });
  o.onSqlite?.(file as SqliteFile<unknown>);
  return migrated(file.db, o);
}

async function migrated<DB>(
  db: Kysely<DB>,
  o: Pick<OpenStoreOptions, "label" | "name" | "provider">,
): Promise<Kysely<DB>> {
  try {
    await migrateStore(db, { provider: o.provider, label: o.label, name: o.name });
  } catch (error) {
    await db.destroy().catch(() => undefined);
    throw error;
  }
  return db;
}
