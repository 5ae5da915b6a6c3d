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
import http from "node:http";
import http2 from "node:http2";
import type { AddressInfo } from "node:net";
import { PeerService, ReadFileResponseSchema } from "../../gen/peer/v1/peer_pb.js";
import { announceReady, childParams, exitOn } from "../child.js";
import { clampChunkSize, resolveBenchItem } from "./bench-item.js";

/** Params passed by the harness. */
export interface StockServerParams {
  /** Directory whose files are items `bench/<name>`. */
  readonly root: string;
}

const { root } = childParams<StockServerParams>();

function routes(router: ConnectRouter): void {
  router.service(
    PeerService,
    {
      async *readFile(req, ctx) {
        const found = await resolveBenchItem(root, req.itemId);
        if (!found) throw new ConnectError("no such item", Code.NotFound);
        const offset = Number(req.offset);
        if (offset < 0 || offset > found.size) throw new ConnectError("offset out of range", Code.OutOfRange);
        const end = req.length > 0n ? Math.min(found.size, offset + Number(req.length)) : found.size;
        if (offset >= end) {
          yield create(ReadFileResponseSchema, { offset: BigInt(offset), item: found.item });
          return;
        }
        let first = true;
        let pos = offset;
        const stream = createReadStream(found.path, {
          start: offset,
          end: end - 1,
          highWaterMark: clampChunkSize(req.chunkSize),
          signal: ctx.signal,
        });
        for await (const chunk of stream) {
          const data = chunk as Buffer;
          yield create(ReadFileResponseSchema, { offset: BigInt(pos), data, ...(first ? { item: found.item } : {}) });
          first = false;
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
