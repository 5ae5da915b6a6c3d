/**
 * Opens the serving peer's database: `<dataDir>/server.db` (SQLite, WAL: the
 * server reads while the CLI writes keys), or a PostgreSQL database shared by
 * several `peer serve` replicas when `databaseUrl` is a `postgres://` URL. The
 * opener and the migration lock are the ones the client uses (common/store/).
 */
import type { Kysely } from "kysely";
import { openSqliteStoreFile, openStore } from "../../common/store/open-store.js";
import type { ApiKeyTable } from "./api-key.table.js";
import type { FileDigestTable } from "./file-digest.table.js";
import type { FilePiecesTable } from "./file-pieces.table.js";
import type { ShareLinkTable } from "./share-link.table.js";
import type { WebSessionTable } from "./web-session.table.js";
import { serverMigrationProvider } from "./migrations/index.js";
import { tightenDataDir } from "./private-dir.js";

/** The serving peer's schema, as Kysely sees it. */
export interface ServerDatabase {
  api_key: ApiKeyTable;
  file_digest: FileDigestTable;
  file_pieces: FilePiecesTable;
  share_link: ShareLinkTable;
  web_session: WebSessionTable;
}

/** File name of the server database inside the data directory. */
export const SERVER_DATABASE_FILE = "server.db";

/**
 * How long a connection waits for another process's write lock (the CLI and
 * the server share the file) before failing with SQLITE_BUSY.
 * @default 5000
 */
export const BUSY_TIMEOUT_MS = 5000;

/** Where the server database is. */
export interface ServerDatabaseOptions {
  /** `postgres://…` for replicas sharing one store; absent or empty keeps SQLite in the data dir. @default undefined */
  databaseUrl?: string | undefined;
  /** Told when an existing SQLite data directory was tightened to 0700 (modes in octal, e.g. "755"). @default undefined */
  onTightened?: ((dir: string, from: string, to: string) => void) | undefined;
}

const store = {
  label: "server",
  name: "server",
  provider: serverMigrationProvider,
  busyTimeoutMs: BUSY_TIMEOUT_MS,
  foreignKeys: true,
} as const;

/**
 * Opens (creating if needed) `<dataDir>/server.db`, or the PostgreSQL database of
 * `options.databaseUrl`, and migrates it to the latest schema. The directory is
 * created with mode 0700 (an existing one loses group and other access) and the
 * file made 0600: it holds key hashes. Call
 * `db.destroy()` to close.
 */
export async function openServerDatabase(
  dataDir: string,
  options: ServerDatabaseOptions = {},
): Promise<Kysely<ServerDatabase>> {
  const db = await openStore<ServerDatabase>({
    ...store,
    dataDir,
    databaseUrl: options.databaseUrl,
    sqliteFile: SERVER_DATABASE_FILE,
    privateFile: true,
  });
  if ((options.databaseUrl ?? "") === "") {
    // mkdir(0700) does nothing to a directory that exists: an older or hand-made one may be 0755.
    const tightened = await tightenDataDir(dataDir);
    if (tightened !== undefined) options.onTightened?.(dataDir, tightened.from.toString(8), tightened.to.toString(8));
  }
  return db;
}

/**
 * Opens a server database at an exact file name (`":memory:"` for a private
 * in-memory database, handy in tests) and runs the migrations.
 * @internal
 */
export async function openServerDatabaseFile(filename: string): Promise<Kysely<ServerDatabase>> {
  return openSqliteStoreFile<ServerDatabase>(filename, store);
}
