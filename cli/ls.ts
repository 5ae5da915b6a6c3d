/** `peer ls <peer-url>`: list a peer's items through the generated Connect client. */
import type { Command } from "commander";
import { Option } from "commander";
import type { DownloadError } from "../client/index.js";
import type { Timestamp } from "@bufbuild/protobuf/wkt";
import type { Item } from "../common/proto.js";
import {
  argParser,
  CliError,
  dataDirOption,
  jsonOption,
  keyOption,
  parsePositiveInteger,
  writeJsonLine,
  writeOut,
  writeErr,
} from "./common.js";
import { formatBytes, formatDate, formatTable } from "./format.js";
import { resolvePeerArgument } from "./peer-target.js";
import { parseFolderArgument, relativeToFolder } from "./folder-argument.js";

/** Options of `peer ls`. */
interface LsOptions {
  key?: string;
  share?: string;
  query?: string;
  json?: boolean;
  limit?: number;
  transport: "connect" | "connect-h2" | "grpc";
  dataDir?: string;
}

/** Registers `peer ls`. */
export function register(program: Command): void {
  program
    .command("ls")
    .description("list the items a peer shares")
    .argument("<peer-url>", "the peer, e.g. http://127.0.0.1:8080, or a remote's name")
    .argument("[folder]", "only the tree of this folder, <share>/<folder>/ (with the trailing /)")
    .addOption(keyOption())
    .option("--share <name>", "only items of this share")
    .option("--query <text>", "only items whose name contains this text (case-insensitive)")
    .addOption(new Option("--limit <n>", "stop after n items").argParser(argParser(parsePositiveInteger)))
    .addOption(
      new Option("--transport <kind>", "Connect over HTTP/1.1, Connect over HTTP/2, or gRPC")
        .choices(["connect", "connect-h2", "grpc"])
        .default("connect"),
    )
    .addOption(jsonOption())
    .addOption(dataDirOption())
    .addHelpText(
      "after",
      "\nWith --json, prints one object per item: id, share, name, size, modified, etag, sha256, contentType,\n" +
        "piecesRoot (BEP 52 pieces root, null until the peer has hashed the file; docs/pieces.md).\n" +
        "With a folder, prints its tree: paths relative to the folder and sizes, empty folders ending in /\n" +
        "(--json adds path and isFolder).\n" +
        "Example: PEER_KEY=peer_… peer ls http://127.0.0.1:8080 --query .mkv\n" +
        "Example: peer ls nas 'media/Shows/Season 1/'\n",
    )
    .action(runLs);
}

/** `peer ls`'s action: check the folder argument, list the peer's items, print them as a table or JSON lines. */
async function runLs(url: string, folderText: string | undefined, options: LsOptions, command: Command): Promise<void> {
  const folderId = folderIdArgument(folderText);
  const items = await listItems(url, folderId, options, command);
  if (!options.json) printItems(items, folderId);
}

/** The folder id of `peer ls`'s [folder] argument (undefined without one); a usage error (exit 2) if it is no folder. */
export function folderIdArgument(folderText: string | undefined): string | undefined {
  if (folderText === undefined) return undefined;
  const folder = parseFolderArgument(folderText);
  if (folder === undefined)
    throw new CliError(`"${folderText.slice(0, 200)}" is not a folder: end it with / (<share>/<folder>/)`, {
      exitCode: 2,
    });
  if ("error" in folder) throw new CliError(folder.error, { exitCode: 2 });
  return folder.folderId;
}

/**
 * Lists the peer's items (the folder's tree with `folderId`), up to --limit: printed as JSON lines as
 * they come with --json (and none returned), else returned for the table.
 */
async function listItems(
  url: string,
  folderId: string | undefined,
  options: LsOptions,
  command: Command,
): Promise<Item[]> {
  // Loaded here, not at the top: `--help` and usage errors stay fast.
  const { classify, createPeerClient } = await import("../client/index.js");
  const peer = await resolvePeerArgument(command, url, options);
  const baseUrl = peer.url;
  const client = createPeerClient({
    baseUrl,
    apiKey: peer.key,
    clientName: "peer-cli",
    transport: options.transport,
  });
  const items: Item[] = [];
  let count = 0;
  try {
    const hello = await client.handshake();
    if (folderId !== undefined && !hello.capabilities.includes("folders"))
      throw new CliError(`the peer at ${baseUrl} cannot list folders (no "folders" capability); upgrade it`);
    const filter = { share: options.share ?? "", query: options.query ?? "", folder: folderId ?? "" };
    for await (const item of client.listAllItems(filter)) {
      if (options.json) writeJsonLine(folderId === undefined ? itemJson(item) : treeItemJson(folderId, item));
      else items.push(item);
      count++;
      if (options.limit !== undefined && count >= options.limit) break;
    }
  } catch (error) {
    if (error instanceof CliError) throw error;
    throw new CliError(describeFailure(classify(error), baseUrl, peer.remote), { cause: error });
  } finally {
    client.close();
  }
  return items;
}

/** Prints the listed items: a folder's tree or the items' table on stdout, or on stderr that there are none. */
function printItems(items: readonly Item[], folderId: string | undefined): void {
  if (items.length === 0) writeErr(folderId === undefined ? "No items.\n" : "The folder is empty.\n");
  else writeOut(folderId === undefined ? itemsTable(items) : folderTable(folderId, items));
}

/** The table of `peer ls`: size, modification date and id of each item. */
export function itemsTable(items: readonly Item[]): string {
  return formatTable(items, [
    { header: "SIZE", value: (i) => formatBytes(Number(i.size)), right: true },
    {
      header: "MODIFIED",
      value: (i) => (i.modified === undefined ? "-" : formatDate(timestampDate(i.modified))),
    },
    { header: "ID", value: (i) => i.id },
  ]);
}

/** The tree of `peer ls <peer> <folder>/`: sizes ("-" for folders) and paths relative to the folder, folders ending in /. */
export function folderTable(folderId: string, items: readonly Item[]): string {
  return formatTable(items, [
    { header: "SIZE", value: (i) => (i.isFolder ? "-" : formatBytes(Number(i.size))), right: true },
    { header: "PATH", value: (i) => relativeToFolder(folderId, i.id) + (i.isFolder ? "/" : "") },
  ]);
}

/**
 * protobuf-es `timestampDate`, written out so that registering `peer ls` does
 * not load @bufbuild/protobuf (`peer --help` loads nothing heavy, docs/performance.md).
 */
function timestampDate(timestamp: Timestamp): Date {
  return new Date(Number(timestamp.seconds) * 1000 + Math.round(timestamp.nanos / 1000000));
}

/** The JSON form of an item (`size` as a number, `modified` as an ISO string, absent digest as null). */
export function itemJson(item: Item): Record<string, unknown> {
  return {
    id: item.id,
    share: item.share,
    name: item.name,
    size: Number(item.size),
    modified: item.modified === undefined ? null : timestampDate(item.modified).toISOString(),
    etag: item.etag,
    sha256: item.sha256 === "" ? null : item.sha256,
    contentType: item.contentType,
    piecesRoot: item.piecesRoot === "" ? null : item.piecesRoot,
  };
}

/** The JSON form of an item of a folder listing: {@link itemJson} plus `path` (relative) and `isFolder`. */
export function treeItemJson(folderId: string, item: Item): Record<string, unknown> {
  return { ...itemJson(item), path: relativeToFolder(folderId, item.id), isFolder: item.isFolder };
}

/** A message for a failed `ls`, saying what to check (`remote`: the remote whose key was used, if any). */
export function describeFailure(error: DownloadError, baseUrl: string, remote: string | null = null): string {
  switch (error.code) {
    case "network":
    case "unavailable":
      return `cannot reach the peer at ${baseUrl}: ${error.message}; is "peer serve" running there?`;
    case "unauthenticated":
      if (remote !== null) {
        return `the peer at ${baseUrl} refused the key of remote "${remote}"; store a valid one with: peer remote add ${remote} ${baseUrl} --force --key-stdin`;
      }
      return `the peer at ${baseUrl} refused the key (missing, wrong, expired or revoked); check --key or PEER_KEY`;
    case "permission-denied":
      return `the peer at ${baseUrl} does not allow this key to list items`;
    case "incompatible-peer":
      return error.message;
    default:
      return `listing ${baseUrl} failed: ${error.message}`;
  }
}
