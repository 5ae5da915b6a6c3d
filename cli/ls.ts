/** `peer ls <peer-url>`: list a peer's items through the generated Connect client. */
import { timestampDate } from "@bufbuild/protobuf/wkt";
import type { Command } from "commander";
import { Option } from "commander";
import type { DownloadError } from "../client/index.js";
import type { Item } from "../gen/peer/v1/peer_pb.js";
import {
  argParser,
  CliError,
  jsonOption,
  keyOption,
  parsePositiveInteger,
  usageError,
  writeJsonLine,
  writeOut,
  writeErr,
} from "./common.js";
import { formatBytes, formatDate, formatTable } from "./format.js";

/** Options of `peer ls`. */
interface LsOptions {
  key?: string;
  share?: string;
  query?: string;
  json?: boolean;
  limit?: number;
  transport: "connect" | "connect-h2" | "grpc";
}

/** Registers `peer ls`. */
export function register(program: Command): void {
  program
    .command("ls")
    .description("list the items a peer shares")
    .argument("<peer-url>", "the peer, e.g. http://127.0.0.1:8080")
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
    .addHelpText(
      "after",
      "\nWith --json, prints one object per item: id, share, name, size, modified, etag, sha256, contentType,\n" +
        "piecesRoot (BEP 52 pieces root, null until the peer has hashed the file; docs/pieces.md).\n" +
        "Example: PEER_KEY=peer_… peer ls http://127.0.0.1:8080 --query .mkv\n",
    )
    .action(async (url: string, options: LsOptions, command: Command) => {
      // Loaded here, not at the top: `--help` and usage errors stay fast.
      const { classify, createPeerClient, normalizePeerUrl } = await import("../client/index.js");
      let baseUrl: string;
      try {
        baseUrl = normalizePeerUrl(url);
      } catch (error) {
        return usageError(command, (error as Error).message);
      }
      if (options.key === undefined || options.key === "") {
        return usageError(command, "an API key is needed: pass --key KEY or set PEER_KEY");
      }
      const client = createPeerClient({
        baseUrl,
        apiKey: options.key,
        clientName: "peer-cli",
        transport: options.transport,
      });
      const items: Item[] = [];
      let count = 0;
      try {
        await client.handshake();
        const filter = { share: options.share ?? "", query: options.query ?? "" };
        for await (const item of client.listAllItems(filter)) {
          if (options.json) writeJsonLine(itemJson(item));
          else items.push(item);
          count++;
          if (options.limit !== undefined && count >= options.limit) break;
        }
      } catch (error) {
        throw new CliError(describeFailure(classify(error), baseUrl), { cause: error });
      } finally {
        client.close();
      }
      if (options.json) return;
      if (items.length === 0) {
        writeErr("No items.\n");
        return;
      }
      writeOut(
        formatTable(items, [
          { header: "SIZE", value: (i) => formatBytes(Number(i.size)), right: true },
          { header: "MODIFIED", value: (i) => (i.modified === undefined ? "-" : formatDate(timestampDate(i.modified))) },
          { header: "ID", value: (i) => i.id },
        ]),
      );
    });
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

/** A message for a failed `ls`, saying what to check. */
export function describeFailure(error: DownloadError, baseUrl: string): string {
  switch (error.code) {
    case "network":
    case "unavailable":
      return `cannot reach the peer at ${baseUrl}: ${error.message}; is "peer serve" running there?`;
    case "unauthenticated":
      return `the peer at ${baseUrl} refused the key (missing, wrong, expired or revoked); check --key or PEER_KEY`;
    case "permission-denied":
      return `the peer at ${baseUrl} does not allow this key to list items`;
    case "incompatible-peer":
      return error.message;
    default:
      return `listing ${baseUrl} failed: ${error.message}`;
  }
}
