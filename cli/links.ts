/** `peer links create|list|revoke`: share links of this peer's database (docs/web.md). */
import { type Command, Option } from "commander";
import type { Kysely } from "kysely";
import type { CreatedLink, LinkInfo, LinkStore } from "../server/internal.js";
import type { ServerDatabase } from "../server/internal.js";
import {
  argParser,
  CliError,
  dataDirOption,
  jsonOption,
  parsePositiveInteger,
  resolveDataDir,
  usageError,
  writeErr,
  writeJsonLine,
  writeOut,
  printListing,
} from "./common.js";
import { type ExpiryOption, parseExpiryOption } from "./duration.js";
import { formatBytes, formatDate } from "./format.js";

/** Registers `peer links` and its subcommands. */
export function register(program: Command): void {
  const links = program
    .command("links")
    .description("create, list and revoke share links: URLs that download one file or folder without a key");
  registerCreate(links);
  registerList(links);
  registerRevoke(links);
}

/** `peer links create`: create a link to a file (share/path/file) or a folder (share/folder/) and print its URL. */
function registerCreate(links: Command): void {
  links
    .command("create")
    .description("create a link to a file (share/path/file) or a folder (share/folder/) and print its URL")
    .argument("<item-id>", "a file id, e.g. share/films/a.mkv, or a folder id ending in /, e.g. share/films/")
    .addOption(
      new Option(
        "--expires <when>",
        "expiry: a duration (7d, 12h, 90m, 2w) or a date (2027-01-31); default never",
      ).argParser(argParser((text) => parseExpiryOption(text, Date.now()))),
    )
    .addOption(
      new Option(
        "--max-downloads <n>",
        "whole downloads allowed (file links; ranges and resumes add up, see docs/web.md)",
      ).argParser(argParser(parsePositiveInteger)),
    )
    .option("--note <text>", "what the link is for (shown by peer links list)")
    .option("--base-url <url>", "base of the printed URL (default: the server's --public-url, else its listen address)")
    .addOption(jsonOption())
    .addOption(dataDirOption())
    .addHelpText(
      "after",
      '\nWith --json, prints {"id":…,"url":…,"target":…,"expiresAt":ISO date or null,"maxDownloads":n or null}.\n',
    )
    .action(async (itemId: string, options: CreateOptions, command: Command) => {
      const base = await baseUrl(options, command);
      const created = await withLinkStore(options.dataDir, async (store) => {
        try {
          return await store.create({
            target: itemId,
            expiresAt: options.expires?.(Date.now()),
            maxDownloads: options.maxDownloads,
            note: options.note,
          });
        } catch (error) {
          if (error instanceof RangeError) usageError(command, error.message);
          throw error;
        }
      });
      const { linkUrl } = await import("./lazy-server.js");
      printCreated(created, linkUrl(base, created.token, created.target), options.json === true);
    });
}

/** `peer links list`: list the links (never their tokens). */
function registerList(links: Command): void {
  links
    .command("list")
    .description("list the links (never their tokens)")
    .addOption(jsonOption())
    .addOption(dataDirOption())
    .action(async (options: { json?: boolean; dataDir: string }) => {
      const list = await withLinkStore(options.dataDir, (store) => store.list());
      printListing(list, {
        json: options.json,
        toJson: linkInfoJson,
        emptyHint: "No links yet. Create one with: peer links create share/path/file --expires 7d\n",
        columns: [
          { header: "ID", value: (l) => l.id },
          { header: "STATUS", value: (l) => l.status },
          { header: "CREATED", value: (l) => formatDate(new Date(l.createdAt)) },
          { header: "EXPIRES", value: (l) => (l.expiresAt === null ? "never" : formatDate(new Date(l.expiresAt))) },
          { header: "SERVED", value: (l) => formatBytes(l.bytesServed), right: true },
          { header: "MAX", value: (l) => (l.maxDownloads === null ? "-" : String(l.maxDownloads)), right: true },
          // The API key that made the link (web page, torrents): revoking it ends the link; "-" for this command's links.
          { header: "KEY", value: (l) => l.createdBy ?? "-" },
          { header: "TARGET", value: (l) => (l.note === null ? l.target : `${l.target}  (${l.note})`) },
        ],
      });
    });
}

/** `peer links revoke`: revoke a link at once (a running server refuses it from the next request on). */
function registerRevoke(links: Command): void {
  links
    .command("revoke")
    .description("revoke a link at once (a running server refuses it from the next request on)")
    .argument("<id>", 'the link id shown by "peer links list" (16 hex characters)')
    .addOption(dataDirOption())
    .action(async (id: string, options: { dataDir: string }, command: Command) => {
      if (!/^[0-9a-f]{16}$/.test(id))
        usageError(command, `"${id}" is not a link id; ids are 16 hex characters, see "peer links list"`);
      const known = await withLinkStore(options.dataDir, async (store) => {
        const before = (await store.list()).find((l) => l.id === id);
        if (before !== undefined) await store.revoke(id);
        return before;
      });
      if (known === undefined)
        throw new CliError(`no link with id ${id} in ${resolveDataDir(options.dataDir)}; see "peer links list"`);
      writeErr(
        known.status === "revoked" ? `Link ${id} was already revoked.\n` : `Revoked link ${id} (${known.target}).\n`,
      );
    });
}

interface CreateOptions {
  expires?: ExpiryOption;
  maxDownloads?: number;
  note?: string;
  baseUrl?: string;
  json?: boolean;
  dataDir: string;
}

/** `--base-url`, else the server's `--public-url`, else the address it last listened on (server.json). */
async function baseUrl(options: CreateOptions, command: Command): Promise<string> {
  const { parsePublicUrl, readServerInfo } = await import("./lazy-server.js");
  if (options.baseUrl !== undefined) {
    const parsed = parsePublicUrl(options.baseUrl);
    if (!parsed.ok) usageError(command, `--base-url: ${parsed.error}`);
    return parsed.value;
  }
  const info = await readServerInfo(resolveDataDir(options.dataDir));
  if (info === undefined) {
    usageError(
      command,
      `no server has run with ${resolveDataDir(options.dataDir)} yet, so the link's address is unknown; give --base-url URL`,
    );
  }
  return info.publicUrl ?? info.url;
}

function printCreated(created: CreatedLink, url: string, json: boolean): void {
  const expiresAt = created.expiresAt === null ? null : created.expiresAt.toISOString();
  const target = created.target.kind === "file" ? created.target.itemId : `${created.target.folderId}/`;
  if (json) {
    writeJsonLine({ id: created.id, url, target, expiresAt, maxDownloads: created.maxDownloads, note: created.note });
    return;
  }
  const limits = [
    expiresAt === null ? "never expires" : `expires ${expiresAt}`,
    created.maxDownloads === null
      ? undefined
      : `${created.maxDownloads} download${created.maxDownloads === 1 ? "" : "s"}`,
  ].filter((s) => s !== undefined);
  writeErr(`Created link ${created.id} to ${target}, ${limits.join(", ")}. Anyone with this URL can download it:\n`);
  writeOut(`${url}\n`);
}

/** The JSON form of a listed link. */
export function linkInfoJson(link: LinkInfo): Record<string, unknown> {
  const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());
  return {
    id: link.id,
    status: link.status,
    target: link.target,
    note: link.note,
    createdBy: link.createdBy,
    createdAt: iso(link.createdAt),
    expiresAt: iso(link.expiresAt),
    revokedAt: iso(link.revokedAt),
    maxDownloads: link.maxDownloads,
    bytesServed: link.bytesServed,
    lastUsedAt: iso(link.lastUsedAt),
  };
}

/** Opens the link store of a data dir for one operation, then closes the database. */
async function withLinkStore<T>(dataDir: string, fn: (store: LinkStore) => Promise<T>): Promise<T> {
  const dir = resolveDataDir(dataDir);
  const [{ openServerDatabase }, { openLinkStore }] = await Promise.all([
    import("./lazy-server.js"),
    import("./lazy-server.js"),
  ]);
  let db: Kysely<ServerDatabase>;
  try {
    db = await openServerDatabase(dir);
  } catch (cause) {
    throw new CliError(cause instanceof Error ? cause.message : `cannot open the database in ${dir}`, { cause });
  }
  try {
    return await fn(openLinkStore(db));
  } finally {
    await db.destroy();
  }
}
