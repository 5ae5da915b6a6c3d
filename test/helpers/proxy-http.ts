/**
 * An HTTP/1.1 proxy on 127.0.0.1:0 in front of a real peer that can answer
 * file-route requests (`GET /v1/files/…`) itself (429/503 with Retry-After,
 * 403, …) or corrupt one byte of their body. Every other request (Connect
 * unary calls) passes through untouched.
 */
import http from "node:http";
import type { AddressInfo } from "node:net";

/** What to do with the n-th file request. */
export type FileFault =
  | { readonly kind: "answer"; readonly status: number; readonly headers?: Record<string, string> }
  | { readonly kind: "flip"; readonly bodyOffset: number };

/** A record of one file request. */
export interface FileRequestLog {
  readonly at: number;
  readonly range: string | undefined;
  readonly ifRange: string | undefined;
  readonly status: number;
}

/** A running proxy. */
export interface HttpFaultProxy {
  readonly url: string;
  /** File requests seen, in order. */
  readonly requests: readonly FileRequestLog[];
  close(): Promise<void>;
}

/** Options of {@link startHttpFaultProxy}. */
export interface HttpFaultProxyOptions {
  /** Paths (e.g. `/peer.v1.PeerService/GetPieceHashes`) answered 404 as if the peer did not serve them. */
  readonly block?: readonly string[];
}

/** Starts the proxy; `fault(n)` decides for the n-th (0-based) file request. */
export async function startHttpFaultProxy(
  targetUrl: string,
  fault: (n: number) => FileFault | undefined,
  options: HttpFaultProxyOptions = {},
): Promise<HttpFaultProxy> {
  const target = new URL(targetUrl);
  const requests: FileRequestLog[] = [];
  let n = 0;
  const server = http.createServer((req, res) => {
    if (options.block?.includes((req.url ?? "").split("?")[0] ?? "")) {
      req.resume();
      res.writeHead(404, { "content-type": "text/plain" });
      res.end("not served here\n");
      return;
    }
    const isFile = req.method === "GET" && (req.url ?? "").startsWith("/v1/files/");
    const f = isFile ? fault(n++) : undefined;
    const log = (status: number) => {
      if (isFile)
        requests.push({
          at: Date.now(),
          range: req.headers.range,
          ifRange: req.headers["if-range"] as string | undefined,
          status,
        });
    };
    if (f?.kind === "answer") {
      log(f.status);
      res.writeHead(f.status, { "content-type": "text/plain", ...f.headers });
      res.end(`fault injected: ${f.status}\n`);
      req.resume();
      return;
    }
    const up = http.request(
      { host: target.hostname, port: target.port, method: req.method, path: req.url, headers: req.headers },
      (upRes) => {
        log(upRes.statusCode ?? 0);
        res.writeHead(upRes.statusCode ?? 502, upRes.headers);
        let seen = 0;
        upRes.on("data", (chunk: Buffer) => {
          if (f?.kind === "flip" && f.bodyOffset >= seen && f.bodyOffset < seen + chunk.length) {
            const copy = Buffer.from(chunk);
            copy[f.bodyOffset - seen] = (copy[f.bodyOffset - seen] ?? 0) ^ 0xff;
            chunk = copy;
          }
          seen += chunk.length;
          if (!res.write(chunk)) {
            upRes.pause();
            res.once("drain", () => upRes.resume());
          }
        });
        upRes.on("end", () => res.end());
        upRes.on("error", () => res.destroy());
      },
    );
    up.on("error", () => res.destroy());
    req.pipe(up);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
