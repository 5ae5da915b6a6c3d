/**
 * Runs a store suite on both dialects: SQLite in a temp data dir, and PostgreSQL in a
 * fresh database of the test cluster (skipped with a printed reason only outside CI
 * when no cluster is available; see pg.ts).
 */
import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { freshDatabase, pgSkipReason } from "./pg.js";

/** Where one case's store lives. */
export interface StoreLocation {
  /** Data dir (SQLite file there; unused on PostgreSQL, but always a fresh temp dir). */
  readonly dataDir: string;
  /** `--database` value: undefined for SQLite. */
  readonly databaseUrl: string | undefined;
  cleanup(): Promise<void>;
}

/** One dialect to run a suite on. */
export interface DialectCase {
  readonly name: "sqlite" | "postgres";
  /** Why it cannot run here (outside CI only), else undefined. */
  readonly skip: string | undefined;
  /** A fresh, empty location. */
  location(): Promise<StoreLocation>;
}

/** SQLite, then PostgreSQL. */
export function dialectCases(): DialectCase[] {
  return [
    {
      name: "sqlite",
      skip: undefined,
      async location() {
        const dataDir = await mkdtemp(path.join(os.tmpdir(), "peer-dialect-"));
        return { dataDir, databaseUrl: undefined, cleanup: () => rm(dataDir, { recursive: true, force: true }) };
      },
    },
    {
      name: "postgres",
      skip: pgSkipReason(),
      async location() {
        const dataDir = await mkdtemp(path.join(os.tmpdir(), "peer-dialect-"));
        const fresh = await freshDatabase();
        return {
          dataDir,
          databaseUrl: fresh.url,
          async cleanup() {
            await fresh.drop();
            await rm(dataDir, { recursive: true, force: true });
          },
        };
      },
    },
  ];
}
