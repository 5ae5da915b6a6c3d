/** `peer keys create|list|revoke`: manage the API keys of this peer's database. */
import { existsSync } from "node:fs";
import path from "node:path";
import { type Command, Option } from "commander";
import type { Kysely } from "kysely";
import { isKeyId } from "../server/internal.js";
import { checkKeyName } from "../server/internal.js";
import { parseScope, type Scope } from "../server/internal.js";
import type { KeyInfo, KeyStore } from "../server/internal.js";
import type { ServerDatabase } from "../server/internal.js";
import {
  argParser,
  repeatableArgParser,
  CliError,
  databaseDisplay,
  databaseOption,
  dataDirOption,
  jsonOption,
  resolveDataDir,
  usageError,
  writeErr,
  writeJsonLine,
  writeOut,
  printListing,
} from "./common.js";
import { type ExpiryOption, parseExpiryOption } from "./duration.js";
import { formatDate } from "./format.js";

/** Registers `peer keys` and its subcommands. */
export function register(program: Command): void {
  const keys = program.command("keys").description("create, list and revoke the API keys that may call this peer");
  registerCreate(keys);
  registerList(keys);
  registerRevoke(keys);
}

/** `peer keys create`: create an API key and print it (the only time it is shown). */
function registerCreate(keys: Command): void {
  keys
    .command("create")
    .description("create an API key and print it (the only time it is shown)")
    .addOption(
      new Option("--name <name>", "what the key is for, 1-64 printable characters")
        .argParser(
          argParser((text) => {
            const problem = checkKeyName(text);
            return problem === undefined ? { ok: true, value: text } : { ok: false, error: problem };
          }),
        )
        .makeOptionMandatory(),
    )
    .addOption(
      new Option("--expires <when>", "expiry: a duration (30d, 12h, 90m, 2w) or a date (2027-01-31)").argParser(
        argParser((text) => parseExpiryOption(text, Date.now())),
      ),
    )
    .addOption(
      new Option(
        "--scope <scope>",
        "what the key may do, repeatable: read (PeerService, files, links, browsing), downloads (the download service, the qBittorrent API)",
      ).argParser(repeatableArgParser(parseScope)),
    )
    .addOption(jsonOption())
    .addOption(dataDirOption())
    .addOption(databaseOption())
    .addHelpText(
      "after",
      "\nWithout --scope a key is read-only (read). A downloads key can queue downloads on this machine:\n" +
        "give one only to your own programs (e.g. Sonarr/Radarr).\n" +
        '\nWith --json, prints {"id":…,"name":…,"key":"…","expiresAt":ISO date or null,"scopes":[…]}.\n' +
        'Callers send the key as "Authorization: Bearer <key>" or "X-Api-Key: <key>".\n',
    )
    .action(
      async (options: {
        name: string;
        expires?: ExpiryOption;
        scope?: Scope[];
        json?: boolean;
        dataDir: string;
        database?: string;
      }) => {
        const created = await withKeyStore(
          options.dataDir,
          (store) =>
            store.create({ name: options.name, expiresAt: options.expires?.(Date.now()), scopes: options.scope }),
          options.database,
        );
        const expiresAt = created.expiresAt === null ? null : created.expiresAt.toISOString();
        if (options.json) {
          writeJsonLine({ id: created.id, name: created.name, key: created.key, expiresAt, scopes: created.scopes });
          return;
        }
        writeErr(
          `Created key "${created.name}" (id ${created.id}, scopes ${created.scopes.join(",")}), ${expiresAt === null ? "never expires" : `expires ${expiresAt}`}.\n` +
            "This is the only time the key is shown; store it now:\n",
        );
        writeOut(`${created.key}\n`);
        writeErr('Use it as PEER_KEY, or send "Authorization: Bearer <key>" or "X-Api-Key: <key>".\n');
      },
    );
}

/** `peer keys list`: list the keys (never their secrets). */
function registerList(keys: Command): void {
  keys
    .command("list")
    .description("list the keys (never their secrets)")
    .addOption(jsonOption())
    .addOption(dataDirOption())
    .addOption(databaseOption())
    .action(async (options: { json?: boolean; dataDir: string; database?: string }) => {
      const list = databaseExists(options.dataDir, options.database)
        ? await withKeyStore(options.dataDir, (store) => store.list(), options.database)
        : [];
      printListing(list, {
        json: options.json,
        toJson: keyInfoJson,
        emptyHint: "No keys yet. Create one with: peer keys create --name NAME\n",
        columns: [
          { header: "ID", value: (k) => k.id },
          { header: "STATUS", value: (k) => k.status },
          { header: "SCOPES", value: (k) => k.scopes.join(",") },
          { header: "CREATED", value: (k) => formatDate(k.createdAt) },
          { header: "EXPIRES", value: (k) => (k.expiresAt === null ? "never" : formatDate(k.expiresAt)) },
          { header: "LAST USED", value: (k) => formatDate(k.lastUsedAt) },
          { header: "NAME", value: (k) => k.name },
        ],
      });
    });
}

/** `peer keys revoke`: revoke a key at once (a running server refuses it from the next call on). */
function registerRevoke(keys: Command): void {
  keys
    .command("revoke")
    .description("revoke a key at once (a running server refuses it from the next call on)")
    .argument("<id>", 'the key id shown by "peer keys list" (16 hex characters)')
    .addOption(dataDirOption())
    .addOption(databaseOption())
    .action(async (id: string, options: { dataDir: string; database?: string }, command: Command) => {
      if (!isKeyId(id)) {
        usageError(command, `"${id}" is not a key id; ids are 16 hex characters, see "peer keys list"`);
      }
      const known = databaseExists(options.dataDir, options.database)
        ? await withKeyStore(
            options.dataDir,
            async (store) => {
              const before = (await store.list()).find((k) => k.id === id);
              if (before === undefined) return undefined;
              await store.revoke(id);
              return before;
            },
            options.database,
          )
        : undefined;
      const where = databaseDisplay(options.database) ?? resolveDataDir(options.dataDir);
      if (known === undefined) throw new CliError(`no key with id ${id} in ${where}; see "peer keys list"`);
      writeErr(
        known.status === "revoked"
          ? `Key ${id} ("${known.name}") was already revoked.\n`
          : `Revoked key ${id} ("${known.name}").\n`,
      );
    });
}

/** The JSON form of a listed key (dates as ISO strings or null). */
export function keyInfoJson(key: KeyInfo): Record<string, unknown> {
  return {
    id: key.id,
    name: key.name,
    status: key.status,
    createdAt: key.createdAt.toISOString(),
    expiresAt: key.expiresAt?.toISOString() ?? null,
    revokedAt: key.revokedAt?.toISOString() ?? null,
    lastUsedAt: key.lastUsedAt?.toISOString() ?? null,
    scopes: key.scopes,
  };
}

/** File name of the server database; equals SERVER_DATABASE_FILE of server/store/database.ts (not imported: it loads SQLite). */
const DATABASE_FILE = "server.db";

/** True when the store may hold keys: always for a `--database` URL, else when server.db exists. */
function databaseExists(dataDir: string, databaseUrl: string | undefined): boolean {
  if (databaseUrl !== undefined && databaseUrl !== "") return true;
  return existsSync(path.join(resolveDataDir(dataDir), DATABASE_FILE));
}

/**
 * Opens the key store of a data dir (or of the `--database` URL) for one operation, then closes
 * the database. @default databaseUrl undefined: SQLite in the data dir
 */
export async function withKeyStore<T>(
  dataDir: string,
  fn: (store: KeyStore) => Promise<T>,
  databaseUrl?: string,
): Promise<T> {
  const dir = resolveDataDir(dataDir);
  // Loaded here, not at the top: `--help` and usage errors stay fast.
  const [{ openServerDatabase }, { openKeyStore }] = await Promise.all([
    import("./lazy-server.js"),
    import("./lazy-server.js"),
  ]);
  let db: Kysely<ServerDatabase>;
  try {
    db = await openServerDatabase(dir, { databaseUrl });
  } catch (cause) {
    // openServerDatabase's messages already name the file or directory.
    throw new CliError(cause instanceof Error ? cause.message : `cannot open the database in ${dir}`, { cause });
  }
  try {
    return await fn(openKeyStore(db));
  } finally {
    await db.destroy();
  }
}
