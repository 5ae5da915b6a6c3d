/**
 * Serves a folder job's files while they download (`peer get <peer> share/dir/ --stream`,
 * docs/downloads.md "The stream server"): `/<relative path>` is one file, answered like
 * `peer get --stream` answers its file (stream-server.ts's serveStream: verified pieces only,
 * ranges, the pieces root as ETag); `/` is the folder's index (folder-index.ts): an M3U
 * playlist for players, an HTML page of links for a browser. A file's tap is opened on its
 * first request, so a folder of a thousand files costs nothing until one is played.
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import { entryAt, entryHref, type FolderEntry, folderIndexHtml, folderPlaylist, wantsHtml } from "./folder-index.js";
import { listenHttp, requestPath, sendText } from "./http-listen.js";
import type { StreamServerOptions } from "./stream-server.js";
import { serveStream } from "./stream-server.js";
import type { StreamTap } from "./stream-tap.js";

/** A running folder stream server. */
export interface FolderStreamServer {
  /** The index a player or a browser opens (`http://host:port/`). */
  readonly url: string;
  /** The URL of one file of the folder. */
  fileUrl(path: string): string;
  /** Stops listening and ends open responses. */
  close(): Promise<void>;
}

/** Starts serving the folder `name`'s `entries`, each through the tap `tapOf(entry.id)` gives. */
export async function startFolderStreamServer(
  name: string,
  entries: readonly FolderEntry[],
  tapOf: (id: string) => Promise<StreamTap>,
  o: StreamServerOptions = {},
): Promise<FolderStreamServer> {
  const modified = Math.floor((o.modified ?? Date.now()) / 1000) * 1000;
  let origin = "";
  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const path = requestPath(req);
    if (path === "/") return index(req, res);
    const entry = entryAt(path, entries);
    if (entry === undefined) return sendText(res, 404, "not a file of this folder; its index is at /\n");
    let tap: StreamTap;
    try {
      tap = await tapOf(entry.id);
    } catch (error) {
      // A file job whose size is not known yet (or that was removed meanwhile): ask again later.
      return sendText(res, 503, `${(error as Error).message}\n`, { "Retry-After": "2" });
    }
    return serveStream(tap, req, res, { ...o, modified });
  };
  const index = (req: IncomingMessage, res: ServerResponse): void => {
    if (req.method !== "GET" && req.method !== "HEAD") {
      sendText(res, 405, "only GET and HEAD\n", { Allow: "GET, HEAD" });
      return;
    }
    const html = wantsHtml(req.headers.accept) && !(req.url ?? "").includes("?m3u");
    // The playlist's URLs use the host the player asked (a server on 0.0.0.0 is reached by another name).
    const host = req.headers.host;
    const base = host !== undefined && /^[A-Za-z0-9.:[\]-]{1,300}$/.test(host) ? `http://${host}` : origin;
    const body = html ? folderIndexHtml(name, entries) : folderPlaylist(base, entries);
    res.writeHead(200, {
      "Content-Type": html ? "text/html; charset=utf-8" : "audio/x-mpegurl; charset=utf-8",
      "Content-Length": String(Buffer.byteLength(body)),
      "Cache-Control": "no-store",
      "X-Content-Type-Options": "nosniff",
      // The page has links and nothing else: no script, no style, no subresource.
      ...(html ? { "Content-Security-Policy": "default-src 'none'; base-uri 'none'; form-action 'none'" } : {}),
      ...(html ? {} : { "Content-Disposition": 'inline; filename="index.m3u"' }),
    });
    res.end(req.method === "HEAD" ? undefined : body);
  };
  const served = await listenHttp(handle, o.host ?? "127.0.0.1", o.port ?? 0);
  origin = served.origin;
  return {
    url: `${origin}/`,
    fileUrl: (path) => `${origin}${entryHref(path)}`,
    close: served.close,
  };
}
