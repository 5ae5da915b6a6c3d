/**
 * `peer get --stream`: serves the file being downloaded on a local URL (client/stream/
 * stream-server.ts), prints it, and after the download keeps serving until Ctrl-C
 * (docs/downloads.md "Reading a download while it runs"). Loaded only with --stream.
 */
import type { DownloadManager } from "../client/index.js";
import { startStreamServer, type StreamServer } from "../client/internal.js";
import { writeErr, writeJsonLine, writeOut } from "./common.js";
import type { ListenAddress } from "./listen-address.js";

/** The stream of one `peer get --stream`. */
export interface StreamHold {
  /** Starts serving job `id` and prints its URL. */
  start(m: DownloadManager, id: string): Promise<void>;
  /** After the download: serve until `stop` (Ctrl-C). */
  hold(stop: AbortSignal, completed: boolean, note: (text: string) => void): Promise<void>;
  /** Stops serving. */
  close(): Promise<void>;
}

/** Creates the stream of `peer get --stream` (listening on `listen`, default 127.0.0.1 with a free port). */
export function createStreamHold(json: boolean, listen: ListenAddress | undefined): StreamHold {
  let server: StreamServer | undefined;
  return {
    async start(m, id) {
      const tap = await m.tap(id);
      const job = await m.get(id);
      server = await startStreamServer(tap, {
        host: listen?.host ?? "127.0.0.1",
        port: listen?.port ?? 0,
        modified: job?.createdAt.getTime(),
      });
      if (json) writeJsonLine({ type: "stream", id, url: server.url, time: new Date().toISOString() });
      else writeOut(`▶ ${tap.file.fileName}: playing at ${server.url}\n`);
      if (job !== undefined && job.piecesRoot === null)
        writeErr(
          `${tap.file.fileName}: the peer has no pieces root for it yet, so no piece can be checked on its own: ` +
            "the stream answers once the whole file is downloaded and verified\n",
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
