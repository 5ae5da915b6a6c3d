/**
 * Baseline: a minimal stock connect-node PeerService server with only ReadFile,
 * written the way the Connect docs show (a generator yielding protobuf messages
 * built from `fs.createReadStream` chunks), compression off. It listens twice:
 * HTTP/1.1 (Connect) and cleartext HTTP/2 (Connect h2 and gRPC), so our server's
 * overhead over Connect itself is visible. Run as a child by bench/run.ts.
 */
import { create } from "@bufbuild/protobuf";
import { Code, ConnectError, type ConnectRouter } from "@connectrpc/connect";
import { connectNodeAdapter } from "@connectrpc/connect-node";
import { createReadStream } from "node:fs";
import { stat } from "node:fs/promises";
import http from "node:http";
import http2 from "node:http2";
import type { AddressInfo } from "node:net";
import path from "node:path";
import { PeerService, ReadFileResponseSchema, type ReadFileRequest } from "../../gen/peer/v1/peer_pb.js";
import { announceReady, childParams, exitOn } from "../child.js";

/** Params passed by the harness. */
export interface StockServerParams {
  /** Directory whose files are items `bench/<name>`. */
  readonly root: string;
}

const { root } = childParams<StockServerParams>();

/** Same clamp as protocol.md: [16 KiB, 2 MiB], default 1 MiB. */
function chunkSizeOf(req: ReadFileRequest): number {
  if (req.chunkSize <= 0) return 1048576;
  return Math.min(2 * 1048576, Math.max(16 * 1024, req.chunkSize));
}

function routes(router: ConnectRouter): void {
  router.service(
    PeerService,
    {
      async *readFile(req, ctx) {
        const rel = req.itemId.replace(/^bench\//, "");
        const file = path.join(root, rel);
        if (!file.startsWith(root + path.sep)) throw new ConnectError("no such item", Code.NotFound);
        const st = await stat(file).catch(() => undefined);
        if (!st?.isFile()) throw new ConnectError("no such item", Code.NotFound);
        const offset = Number(req.offset);
        if (offset < 0 || offset > st.size) throw new ConnectError("offset out of range", Code.OutOfRange);
        const end = req.length > 0n ? Math.min(st.size, offset + Number(req.length)) : st.size;
        if (offset >= end) {
          yield create(ReadFileResponseSchema, { offset: BigInt(offset) });
          return;
        }
        let pos = offset;
        const stream = createReadStream(file, {
          start: offset,
          end: end - 1,
          highWaterMark: chunkSizeOf(req),
          signal: ctx.signal,
        });
        for await (const chunk of stream) {
          const data = chunk as Buffer;
          yield create(ReadFileResponseSchema, { offset: BigInt(pos), data });
          pos += data.length;
        }
      },
    },
    { acceptCompression: [] },
  );
}

const handler = connectNodeAdapter({ routes, acceptCompression: [] });
const h1 = http.createServer(handler);
const h2 = http2.createServer(handler);

await new Promise<void>((resolve) => h1.listen(0, "127.0.0.1", resolve));
await new Promise<void>((resolve) => h2.listen(0, "127.0.0.1", resolve));
const h1Port = (h1.address() as AddressInfo).port;
const h2Port = (h2.address() as AddressInfo).port;
announceReady({ h1Url: `http://127.0.0.1:${h1Port}`, h2Url: `http://127.0.0.1:${h2Port}` });
exitOn(async () => {
  h1.closeAllConnections();
  await Promise.all([
    new Promise<void>((resolve) => h1.close(() => resolve())),
    new Promise<void>((resolve) => {
      h2.close(() => resolve());
      setTimeout(resolve, 500).unref();
    }),
  ]);
});
