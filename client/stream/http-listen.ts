/**
 * The HTTP side shared by the stream servers (stream-server.ts for one file,
 * folder-stream-server.ts for a folder job): listening on a host and port, the timeouts a
 * player needs, and plain-text answers.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

/** A listening server. */
export interface Listening {
  /** `http://host:port` (an IPv6 host in brackets). */
  readonly origin: string;
  /** Stops listening and ends open responses. */
  close(): Promise<void>;
}

/** Listens on `host:port` (0: a free port); a handler's rejection destroys its response. */
export async function listenHttp(
  handler: (req: IncomingMessage, res: ServerResponse) => Promise<void>,
  host: string,
  port: number,
): Promise<Listening> {
  const server = createServer((req, res) => {
    handler(req, res).catch(() => res.destroy());
  });
  server.requestTimeout = 0; // a player's read may last as long as the film
  server.headersTimeout = 10_000;
  await listen(server, host, port);
  const address = server.address() as AddressInfo;
  const shown = address.family === "IPv6" ? `[${address.address}]` : address.address;
  return {
    origin: `http://${shown}:${address.port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

function listen(server: Server, host: string, port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, host, () => {
      server.off("error", reject);
      resolve();
    });
  });
}

/** A plain-text answer; a response whose head is already sent is cut instead (it can never be padded). */
export function sendText(
  res: ServerResponse,
  status: number,
  body: string,
  headers: Record<string, string> = {},
): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  res.writeHead(status, {
    "Content-Type": "text/plain; charset=utf-8",
    "Content-Length": String(Buffer.byteLength(body)),
    ...headers,
  });
  res.end(body);
}

/** The path of a request, without its query. */
export function requestPath(req: IncomingMessage): string {
  return (req.url ?? "/").split("?")[0] ?? "/";
}
