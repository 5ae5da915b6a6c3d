/**
 * The fast-path prototype (bench/fast-path-prototype.ts) in front of the same
 * stock connect-node service as stock-server.ts, on an HTTP/1.1 and a cleartext
 * HTTP/2 listener. Run as a child by bench/run.ts.
 */
import { Code, ConnectError, type ConnectRouter } from "@connectrpc/connect";
import { connectNodeAdapter } from "@connectrpc/connect-node";
import http from "node:http";
import http2 from "node:http2";
import type { AddressInfo } from "node:net";
import { PeerService } from "../../gen/peer/v1/peer_pb.js";
import { announceReady, childParams, exitOn } from "../child.js";
import { createFastReadFile, type FastRequest, type FastResponse } from "../fast-path-prototype.js";
import { clampChunkSize, resolveBenchItem } from "./bench-item.js";

/** Params passed by the harness. */
export interface FastPathServerParams {
  /** Directory whose files are items `bench/<name>`. */
  readonly root: string;
}

const { root } = childParams<FastPathServerParams>();
const fast = createFastReadFile({ resolve: (id) => resolveBenchItem(root, id), clampChunkSize });

function routes(router: ConnectRouter): void {
  router.service(
    PeerService,
    {
      async *readFile() {
        // Reached only for requests the fast path hands on (JSON, compressed).
        yield* [];
        throw new ConnectError("this prototype serves ReadFile only as uncompressed binary Connect, gRPC or gRPC-Web", Code.Unimplemented);
      },
    },
    { acceptCompression: [] },
  );
}

const adapter = connectNodeAdapter({ routes, acceptCompression: [] });
const listener = (req: http.IncomingMessage | http2.Http2ServerRequest, res: http.ServerResponse | http2.Http2ServerResponse): void => {
  if (fast(req as FastRequest, res as unknown as FastResponse)) return;
  adapter(req as http.IncomingMessage, res as http.ServerResponse);
};
const h1 = http.createServer(listener);
const h2 = http2.createServer(listener);
await new Promise<void>((resolve) => h1.listen(0, "127.0.0.1", resolve));
await new Promise<void>((resolve) => h2.listen(0, "127.0.0.1", resolve));
announceReady({
  h1Url: `http://127.0.0.1:${(h1.address() as AddressInfo).port}`,
  h2Url: `http://127.0.0.1:${(h2.address() as AddressInfo).port}`,
});
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
