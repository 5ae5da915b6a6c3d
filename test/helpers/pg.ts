/**
 * PostgreSQL for tests: `PEER_TEST_DATABASE_URL` names a throwaway cluster
 * (test/pg/start-cluster.sh; .ci/run and test/run.sh start one). Each suite gets
 * its own fresh database in it, dropped afterwards. Without a cluster the
 * PostgreSQL cases are skipped with the reason printed, except under CI=true,
 * where a missing PostgreSQL is a failure.
 */
import { randomBytes } from "node:crypto";
import pg from "pg";

/** The admin URL of the test cluster, or undefined. */
export const TEST_DATABASE_URL: string | undefined = process.env.PEER_TEST_DATABASE_URL || undefined;

/** Why PostgreSQL cases cannot run here, or undefined when they can (and must). */
export function pgSkipReason(): string | undefined {
  if (TEST_DATABASE_URL !== undefined) return undefined;
  if (process.env.CI === "true") {
    throw new Error(
      "CI=true but PEER_TEST_DATABASE_URL is not set: .ci/run must start PostgreSQL (test/pg/start-cluster.sh)",
    );
  }
  const reason = 'PostgreSQL not available: set PEER_TEST_DATABASE_URL (eval "$(test/pg/start-cluster.sh start)")';
  process.stderr.write(`# skipping PostgreSQL cases: ${reason}\n`);
  return reason;
}

/** A fresh, empty database in the test cluster. */
export interface FreshDatabase {
  readonly url: string;
  readonly name: string;
  drop(): Promise<void>;
}

/** Creates a database `peer_t_<random>`; `drop()` removes it (closing other sessions first). */
export async function freshDatabase(adminUrl: string = mustUrl()): Promise<FreshDatabase> {
  const name = `peer_t_${randomBytes(6).toString("hex")}`;
  await admin(adminUrl, `create database ${name}`);
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    name,
    drop: () => admin(adminUrl, `drop database if exists ${name} with (force)`),
  };
}

async function admin(adminUrl: string, statement: string): Promise<void> {
  const client = new pg.Client({ connectionString: adminUrl });
  await client.connect();
  try {
    await client.query(statement);
  } finally {
    await client.end();
  }
}

function mustUrl(): string {
  if (TEST_DATABASE_URL === undefined) throw new Error("PEER_TEST_DATABASE_URL is not set");
  return TEST_DATABASE_URL;
}
