/**
 * Baseline: the minimal Node file server of issue 6,
 * `stream.pipeline(fs.createReadStream(path, { highWaterMark }), res)`, with just
 * enough of `Range: bytes=a-b` for the ranged sample. Run as a child by bench/run.ts.
 */
import { createReadStream } from "node:fs";
import { stat } from "node:fs/promises";
import http from "node:http";
import path from "node:path";
import { pipeline } from "node:stream/promises";
import { announceReady, childParams, exitOn } from "../child.js";

/** Params passed by the harness. */
export interface PipelineServerParams {
  /** Directory served at "/". */
  readonly root: string;
  /** Bytes per read. */
  readonly highWaterMark: number;
}

const { root, highWaterMark } = childParams<PipelineServerParams>();

const server = http.createServer((req, res) => {
  void (async () => {
    const name = decodeURIComponent((req.url ?? "/").split("?")[0] ?? "/").replace(/^\/+/, "");
    const file = path.join(root, name);
    if (!file.startsWith(root + path.sep)) {
      res.writeHead(404).end();
      return;
    }
    const st = await stat(file).catch(() => undefined);
    if (!st?.isFile()) {
      res.writeHead(404).end();
      return;
    }
    let start = 0;
    let end = st.size - 1;
    const range = /^bytes=(\d+)-(\d*)$/.exec(req.headers.range ?? "");
    if (range) {
      start = Number(range[1]);
      end = range[2] ? Math.min(Number(range[2]), st.size - 1) : st.size - 1;
      res.writeHead(206, {
        "content-length": end - start + 1,
        "content-range": `bytes ${start}-${end}/${st.size}`,
        "content-type": "application/octet-stream",
      });
    } else {
      res.writeHead(200, { "content-length": st.size, "content-type": "application/octet-stream" });
    }
    if (st.size === 0) {
      res.end();
      return;
    }
    await pipeline(createReadStream(file, { start, end, highWaterMark }), res).catch(() => {});
  })();
});

server.listen(0, "127.0.0.1", () => {
  const addr = server.address();
  const port = typeof addr === "object" && addr ? addr.port : 0;
  announceReady({ url: `http://127.0.0.1:${port}`, port });
});
exitOn(
  () =>
    new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    }),
);
