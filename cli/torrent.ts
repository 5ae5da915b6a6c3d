/** `peer torrent <peer-url> <item-id | folder/>`: fetch a hybrid BitTorrent v1+v2 .torrent of a file or a folder (docs/web.md). */
import { rm } from "node:fs/promises";
import path from "node:path";
import { type Command, Option } from "commander";
import { argParser, CliError, keyOption, usageError, writeErr, writeOut } from "./common.js";
import { parseDuration } from "./duration.js";
import { printable } from "./format.js";
import { parseFolderArgument } from "./folder-argument.js";

interface TorrentOptions {
  key?: string;
  overwrite?: boolean;
  linkExpires?: number;
  output?: string;
  wait: number;
}

/** Seconds to keep asking while the peer is still hashing the file. @default 120 */
const DEFAULT_WAIT_S = 120;

/** Registers `peer torrent`. */
export function register(program: Command): void {
  program
    .command("torrent")
    .description(
      "save a hybrid BitTorrent v1+v2 .torrent of a file or a folder; its web seed is a share link, so BitTorrent clients download it from the peer",
    )
    .argument("<peer-url>", "the peer, e.g. http://127.0.0.1:8080")
    .argument("<item-id>", "the file, e.g. share/films/a.mkv, or a folder with a trailing /, e.g. share/Shows/")
    .addOption(keyOption())
    .addOption(
      new Option("--link-expires <duration>", "life of the web-seed share link (default 7d)").argParser(
        argParser(parseDuration),
      ),
    )
    .option("-o, --output <file>", "where to write the .torrent (default: ./<file name>.torrent)")
    .option("--overwrite", "replace a file already at the output path (by default it is never replaced)")
    .addOption(
      new Option("--wait <seconds>", "how long to wait for the peer to finish hashing a new file")
        .argParser(
          argParser((t) =>
            /^\d{1,6}$/.test(t)
              ? { ok: true, value: Number(t) }
              : { ok: false, error: `"${t}" is not a number of seconds` },
          ),
        )
        .default(DEFAULT_WAIT_S),
    )
    .addHelpText(
      "after",
      "\nExample: PEER_KEY=peer_… peer torrent http://127.0.0.1:8080 share/iso/debian.iso --link-expires 30d\n",
    )
    .action(async (url: string, itemId: string, options: TorrentOptions, command: Command) => {
      const { normalizePeerUrl } = await import("../client/index.js");
      let base: string;
      try {
        base = normalizePeerUrl(url);
      } catch (error) {
        return usageError(command, (error as Error).message);
      }
      if (options.key === undefined || options.key === "")
        usageError(command, "an API key is needed: pass --key KEY or set PEER_KEY");
      const folder = parseFolderArgument(itemId);
      if (folder !== undefined && "error" in folder) usageError(command, folder.error);
      const id = folder !== undefined && !("error" in folder) ? folder.folderId : itemId;
      const name = id.split("/").pop() ?? "";
      if (folder === undefined && (!itemId.includes("/") || name === ""))
        usageError(command, `"${itemId}" is not a file id; write share/path/file (or share/folder/ for a folder)`);
      const seconds = options.linkExpires === undefined ? undefined : Math.round(options.linkExpires / 1000);
      if (seconds !== undefined && seconds < 60) usageError(command, "--link-expires must be at least 1m");
      const query = seconds === undefined ? "" : `?link-expires=${seconds}`;
      const target = `${base.replace(/\/+$/, "")}/v1/torrents/${id.split("/").map(encodeURIComponent).join("/")}${folder === undefined ? "" : "/"}${query}`;
      const torrent = await fetchTorrent(target, options.key as string, options.wait);
      const out = path.resolve(options.output ?? `${name}.torrent`);
      await saveTorrent(torrent, out, options.overwrite === true);
      writeErr(`Saved ${out} (hybrid BitTorrent v1+v2, web seed: a share link; peer links list shows it).\n`);
      writeOut(`${out}\n`);
    });
}

/**
 * Writes the .torrent as downloads are written (docs/downloads.md "Safe writes"): a new part file
 * opened without following a link, then placed only if nothing is at `out` — never replacing a
 * file of the user's unless `--overwrite`.
 */
async function saveTorrent(torrent: Buffer, out: string, overwrite: boolean): Promise<void> {
  const { openPartFile, placeNoReplace, placeReplacing } = await import("./lazy-client.js");
  const temp = `${out}.${process.pid}.part`;
  try {
    const fh = await openPartFile(temp);
    try {
      await fh.truncate(0);
      await fh.writeFile(torrent);
    } finally {
      await fh.close();
    }
    if (overwrite) await placeReplacing(temp, out);
    else if (!(await placeNoReplace(temp, out)))
      throw new CliError(
        `${printable(out)} already exists and was left as it was: pass --overwrite to replace it, or -o to choose another file`,
      );
  } catch (error) {
    await rm(temp, { force: true });
    if (error instanceof CliError) throw error;
    throw new CliError(`cannot write ${printable(out)}: ${printable((error as Error).message)}`, { cause: error });
  }
}

/** GETs the torrent, waiting (Retry-After) while the peer hashes the file, up to `waitS` seconds. */
async function fetchTorrent(url: string, key: string, waitS: number): Promise<Buffer> {
  const deadline = Date.now() + waitS * 1000;
  let told = false;
  for (;;) {
    let res: Response;
    try {
      res = await fetch(url, { headers: { authorization: `Bearer ${key}` } });
    } catch (error) {
      throw new CliError(`cannot reach the peer: ${printable((error as Error).message)}`, { cause: error });
    }
    if (res.status === 200) return Buffer.from(await res.arrayBuffer());
    const text = (await res.text()).trim().slice(0, 300);
    if (res.status === 503 && Date.now() < deadline) {
      if (!told) writeErr("The peer is still hashing; waiting…\n");
      told = true;
      const after = Math.min(10, Math.max(1, Number(res.headers.get("retry-after")) || 2));
      await new Promise((resolve) => setTimeout(resolve, after * 1000));
      continue;
    }
    if (res.status === 401) throw new CliError("the peer refused the key (unknown, expired or revoked)");
    if (res.status === 404) throw new CliError("the peer has no such file or folder");
    if (res.status === 422) throw new CliError(`the peer cannot make this torrent: ${printable(text)}`);
    throw new CliError(`the peer answered ${res.status}: ${printable(text)}`);
  }
}
