/**
 * `GET|POST /web/downloads` (docs/service.md): the Downloads view for a web
 * session whose key has the `downloads` scope. Posts must come from this
 * peer's own pages (origin check) and carry the session's CSRF token, as the
 * sign-in and link forms do; each action redirects back (303), so it works
 * without JavaScript.
 */
import { timingSafeEqual } from "node:crypto";
import type http from "node:http";
import { ConnectError } from "@connectrpc/connect";
import { allows } from "../../server/auth/scope.js";
import type { ServerExtensionContext } from "../../server/index.js";
import type { RouteRequest, RouteResponse } from "../../server/http/serve-file.js";
import type { SafeHtml } from "../../server/web/html.js";
import { pageHeaders } from "../../server/web/layout.js";
import { isSameOrigin } from "../../server/web/origin-check.js";
import { messagePage } from "../../server/web/pages/sign-in.js";
import { relativeToRoot } from "../destination.js";
import type { DownloadQueue } from "../download-queue.js";
import { bytesDone } from "../download-message.js";
import { allRemotes } from "../resolve-remote.js";
import { readBody } from "../qbittorrent/qbt-request.js";
import { downloadsPage } from "./downloads-page.js";

/** Largest form accepted: 16 KiB. */
const MAX_FORM_BYTES = 16 * 1024;
/** Rows shown. */
const MAX_ROWS = 500;

const one = (v: string | string[] | undefined): string | undefined => (Array.isArray(v) ? v[0] : v);

function sameText(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

/** Creates the route: true for `/web/downloads`. */
export function createDownloadsView(queue: DownloadQueue, context: ServerExtensionContext) {
  const send = (res: http.ServerResponse, status: number, page: SafeHtml) => {
    res.writeHead(status, pageHeaders(page.text));
    res.end(page.text);
  };
  const redirect = (res: http.ServerResponse, location: string) => {
    res.writeHead(303, { Location: location, "Content-Length": "0", "Cache-Control": "no-store" });
    res.end();
  };

  async function page(csrf: string, message?: string) {
    const rows = (await queue.list()).slice(0, MAX_ROWS).map((d) => ({
      id: d.id,
      name: d.fileName,
      path: relativeToRoot(queue.root, d.destination),
      status: d.status,
      done: bytesDone(d, queue.live(d.id)),
      size: d.size,
      error: d.status === "failed" ? (d.error?.message ?? null) : null,
    }));
    const remotes = (await allRemotes(queue.dataDir)).map((r) => r.name);
    return downloadsPage(rows, remotes, csrf, message);
  }

  async function act(form: URLSearchParams): Promise<string | undefined> {
    const action = form.get("action") ?? "";
    const id = form.get("id") ?? "";
    try {
      switch (action) {
        case "add": {
          const peer = await queue.peer(form.get("remote") ?? "");
          await queue.add({
            peer,
            itemId: (form.get("item") ?? "").trim(),
            destination: form.get("destination") ?? "",
          });
          return undefined;
        }
        case "pause":
          await queue.pause(id);
          return undefined;
        case "resume":
          await queue.resume(id);
          return undefined;
        case "retry":
          await queue.retry(id);
          return undefined;
        case "cancel":
          await queue.cancel(id);
          return undefined;
        case "remove":
          await queue.remove(id, false);
          return undefined;
        default:
          return "Unknown action.";
      }
    } catch (error) {
      return error instanceof ConnectError ? error.rawMessage : "That did not work.";
    }
  }

  async function handle(req: RouteRequest, res: http.ServerResponse): Promise<void> {
    const session = await context.webSession(one(req.headers.cookie));
    if (session === undefined) return redirect(res, "/");
    if (!allows(session.principal.scopes, "downloads"))
      return send(res, 403, messagePage("Not allowed", 'This key lacks the "downloads" scope.', session.csrf));
    if (req.method === "GET" || req.method === "HEAD") {
      const message = new URL(req.url ?? "/", "http://x").searchParams.get("m") ?? undefined;
      return send(res, 200, await page(session.csrf, message?.slice(0, 300)));
    }
    if (req.method !== "POST") {
      res.writeHead(405, { Allow: "GET, HEAD, POST", "Content-Length": "0" });
      res.end();
      return;
    }
    const own = isSameOrigin({
      origin: one(req.headers.origin),
      secFetchSite: one(req.headers["sec-fetch-site"]),
      host: (req as { authority?: string }).authority ?? one(req.headers.host),
      tls: context.tls,
      publicUrl: context.publicUrl,
    });
    const type = (one(req.headers["content-type"]) ?? "").split(";")[0]?.trim().toLowerCase();
    const body =
      own && type === "application/x-www-form-urlencoded"
        ? await readBody(req as unknown as AsyncIterable<Buffer>)
        : undefined;
    const form =
      body === undefined || body.length > MAX_FORM_BYTES ? undefined : new URLSearchParams(body.toString("utf8"));
    if (form === undefined || !sameText(form.get("csrf") ?? "", session.csrf))
      return send(
        res,
        403,
        messagePage("Refused", "This form did not come from a page of this peer, or your session ended.", session.csrf),
      );
    const problem = await act(form);
    redirect(
      res,
      problem === undefined ? "/web/downloads" : `/web/downloads?m=${encodeURIComponent(problem.slice(0, 300))}`,
    );
  }

  return (req: RouteRequest, res: RouteResponse): boolean => {
    const path = new URL(req.url ?? "/", "http://x").pathname;
    if (path !== "/web/downloads") return false;
    const out = res as unknown as http.ServerResponse;
    handle(req, out).catch((error: unknown) => {
      context.logger.error({ err: error }, "downloads view failed");
      if (!out.headersSent) out.writeHead(500, { "Content-Length": "0" });
      out.end();
    });
    return true;
  };
}
