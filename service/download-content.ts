/**
 * `GET|HEAD /v1/downloads/<id>/content` (docs/service.md "Playing a download"): a download of the
 * queue served while it runs, for a `downloads` key or a signed-in `downloads` session — the
 * same verified-bytes server as `peer get --stream` (client/stream/stream-server.ts): ranges
 * raise the pieces they need, and only bytes that passed their hash are sent.
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import type { DownloadManager } from "../client/index.js";
import { serveStream } from "../client/index.js";
import { extractApiKey, type ServerExtension, type ServerExtensionContext } from "../server/index.js";

type HttpRoute = NonNullable<ServerExtension["httpRoute"]>;

const CONTENT_PATH = /^\/v1\/downloads\/([A-Za-z0-9_-]{1,64})\/content$/;

/** The route; false for other paths. */
export function createDownloadContentRoute(manager: DownloadManager, context: ServerExtensionContext): HttpRoute {
  return (req, res) => {
    const match = CONTENT_PATH.exec(new URL(req.url ?? "/", "http://localhost").pathname);
    if (match === null) return false;
    const id = match[1] as string;
    const plain = res as unknown as ServerResponse;
    serve(manager, context, id, req as unknown as IncomingMessage, plain).catch((error: unknown) => {
      context.logger.error({ err: error, download: id }, "download content failed");
      if (!plain.headersSent) text(plain, 500, "internal error; see the server log\n");
      else plain.destroy();
    });
    return true;
  };
}

async function serve(
  manager: DownloadManager,
  context: ServerExtensionContext,
  id: string,
  req: IncomingMessage,
  res: ServerResponse,
): Promise<void> {
  const access = await admitted(req, context);
  if (access !== "ok") {
    if (access === "unauthenticated")
      return text(res, 401, "unauthenticated: send Authorization: Bearer <key> or sign in on the web page\n");
    return text(res, 403, 'forbidden: this needs a key with the "downloads" scope\n');
  }
  const download = await manager.get(id);
  if (download === undefined) return text(res, 404, `no download ${id}\n`);
  const tap = await manager.tap(id);
  await serveStream(tap, req, res, { modified: download.createdAt.getTime() });
}

/** A `downloads` key in the headers, or else a signed-in session whose key has that scope. */
async function admitted(
  req: IncomingMessage,
  context: ServerExtensionContext,
): Promise<"ok" | "unauthenticated" | "forbidden"> {
  const key = extractApiKey(one(req.headers.authorization), one(req.headers["x-api-key"]));
  const principal =
    key !== undefined
      ? await context.authenticate(key)
      : (await context.webSession(one(req.headers.cookie)))?.principal;
  if (principal === undefined) return "unauthenticated";
  return principal.scopes.includes("downloads") ? "ok" : "forbidden";
}

function one(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

function text(res: ServerResponse, status: number, body: string): void {
  res.writeHead(status, {
    "Content-Type": "text/plain; charset=utf-8",
    "Content-Length": String(Buffer.byteLength(body)),
    "X-Content-Type-Options": "nosniff",
  });
  res.end(body);
}
