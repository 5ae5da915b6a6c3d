/**
 * `peer get --stream`: serves the file being downloaded on a local URL (client/stream/
 * stream-server.ts), or a folder job's files and their index (folder-stream-server.ts),
 * prints it, and after the download keeps serving until Ctrl-C (docs/downloads.md
 * "Reading a download while it runs"). Loaded only with --stream.
 */
import path from "node:path";
import type { DownloadManager, FolderEnqueueResult } from "../client/index.js";
import { type FolderEntry, startFolderStreamServer, startStreamServer } from "../client/internal.js";
import { writeErr, writeJsonLine, writeOut } from "./common.js";
import type { ListenAddress } from "./listen-address.js";

/** The stream of one `peer get --stream`. */
export interface StreamHold {
  /** Starts serving job `id` and prints its URL. */
  start(m: DownloadManager, id: string): Promise<void>;
  /** Starts serving a folder job's files (and its index at `/`) and prints the URLs. */
  startFolder(m: DownloadManager, folder: FolderEnqueueResult): Promise<void>;
  /** After the download: serve until `stop` (Ctrl-C). */
  hold(stop: AbortSignal, completed: boolean, note: (text: string) => void): Promise<void>;
  /** Stops serving. */
  close(): Promise<void>;
}

/** Creates the stream of `peer get --stream` (listening on `listen`, default 127.0.0.1 with a free port). */
export function createStreamHold(json: boolean, listen: ListenAddress | undefined): StreamHold {
  let server: { readonly url: string; close(): Promise<void> } | undefined;
  const where = { host: listen?.host ?? "127.0.0.1", port: listen?.port ?? 0 };
  return {
    async start(m, id) {
      const tap = await m.tap(id);
      const job = await m.get(id);
      server = await startStreamServer(tap, { ...where, modified: job?.createdAt.getTime() });
      if (json) writeJsonLine({ type: "stream", id, url: server.url, time: new Date().toISOString() });
      else writeOut(`▶ ${tap.file.fileName}: playing at ${server.url}\n`);
      if (job !== undefined && job.piecesRoot === null)
        writeErr(
          `${tap.file.fileName}: the peer has no pieces root for it yet, so no piece can be checked on its own: ` +
            "the stream answers once the whole file is downloaded and verified\n",
        );
    },
    async startFolder(m, folder) {
      const { entries, unrooted } = await folderEntries(m, folder);
      const served = await startFolderStreamServer(folder.name, entries, (id) => m.tap(id), where);
      server = served;
      const files = entries.map((e) => ({ path: e.path, id: e.id, url: served.fileUrl(e.path) }));
      if (json)
        writeJsonLine({ type: "stream", id: folder.id, url: served.url, files, time: new Date().toISOString() });
      else {
        const count = `${entries.length} file${entries.length === 1 ? "" : "s"}`;
        writeOut(`▶ ${folder.name}/: ${count} at ${served.url} (a playlist for mpv or VLC; links in a browser)\n`);
        for (const f of files.slice(0, SHOWN_FILES)) writeOut(`  ${f.url}\n`);
        if (files.length > SHOWN_FILES) writeOut(`  … and ${files.length - SHOWN_FILES} more at ${served.url}\n`);
      }
      if (unrooted > 0)
        writeErr(
          `${folder.name}/: ${unrooted} file${unrooted === 1 ? " has" : "s have"} no pieces root from the peer yet: ` +
            "such a file is served once it is downloaded and verified whole\n",
        );
    },
    async hold(stop, completed, note) {
      if (server === undefined || !completed || stop.aborted) return;
      if (json) writeJsonLine({ type: "stream-serving", url: server.url, time: new Date().toISOString() });
      else note(`still serving ${server.url} — Ctrl-C to stop`); // after the ✔ line, in order
      await new Promise<void>((resolve) => stop.addEventListener("abort", () => resolve(), { once: true }));
    },
    async close() {
      await server?.close();
    },
  };
}

/** File URLs printed for a folder (the rest are in its index). */
const SHOWN_FILES = 10;

/** The folder's file jobs as the server names them (relative paths, sorted), and how many lack a pieces root. */
async function folderEntries(
  m: DownloadManager,
  folder: FolderEnqueueResult,
): Promise<{ entries: FolderEntry[]; unrooted: number }> {
  const entries: FolderEntry[] = [];
  let unrooted = 0;
  for (const id of folder.jobs) {
    const job = await m.get(id);
    if (job === undefined || job.size === null) continue;
    const rel = path.relative(folder.destination, job.destination);
    if (rel === "" || rel.startsWith("..") || path.isAbsolute(rel)) continue; // not below the folder: never served
    entries.push({ path: rel.split(path.sep).join("/"), id: job.id, size: job.size });
    if (job.piecesRoot === null) unrooted++;
  }
  entries.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  return { entries, unrooted };
}
