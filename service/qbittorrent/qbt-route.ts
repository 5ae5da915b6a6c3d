/**
 * The qBittorrent-compatible Web API at `/api/v2/` (docs/service.md), for keys
 * with the `downloads` scope: `auth/login` (password = a key; SID cookie) or
 * `Authorization: Bearer <key>`. Unauthenticated calls get 403 `Forbidden`, as
 * qBittorrent answers (Sonarr's probe of `app/webapiVersion` relies on it).
 */
import type { Logger } from "pino";
import type { Principal } from "../../server/auth/principal.js";
import { allows } from "../../server/auth/scope.js";
import type { ServerExtensionContext } from "../../server/index.js";
import type { RouteRequest, RouteResponse } from "../../server/http/serve-file.js";
import { readCookie } from "../../server/web/cookies.js";
import { apiKeyFromNodeHeaders } from "./qbt-auth.js";
import { handleQbt, type QbtDeps } from "./qbt-handlers.js";
import { parseParams, readBody, send, sidCookie, type QbtResponse } from "./qbt-request.js";
import { SID_LIFETIME_MS } from "./qbt-store.js";

/** Creates the route: true for paths under `/api/v2/`. */
export function createQbtRoute(deps: QbtDeps, context: ServerExtensionContext) {
  const logger: Logger = context.logger;
  return (req: RouteRequest, res: RouteResponse): boolean => {
    const url = new URL(req.url ?? "/", "http://x");
    if (!url.pathname.startsWith("/api/v2/")) return false;
    const out = res as unknown as QbtResponse;
    handle(url, req, out).catch((error: unknown) => {
      logger.error({ err: error, path: url.pathname }, "qBittorrent API call failed");
      if (!out.headersSent) send(out, 500, "Internal error");
      else out.end();
    });
    return true;
  };

  async function principalOf(req: RouteRequest): Promise<Principal | undefined> {
    const key = apiKeyFromNodeHeaders(req.headers);
    if (key !== undefined) return context.authenticate(key);
    const sid = readCookie(headerText(req.headers.cookie), "SID");
    const keyId = sid === undefined ? undefined : await deps.store.sessionKey(sid);
    return keyId === undefined ? undefined : context.principal(keyId);
  }

  async function handle(url: URL, req: RouteRequest, res: QbtResponse): Promise<void> {
    const method = "/api/v2/".length;
    const name = url.pathname.slice(method);
    const body = req.method === "POST" ? await readBody(req as unknown as AsyncIterable<Buffer>) : Buffer.alloc(0);
    if (body === undefined) return send(res, 413, "Request too large");
    const params = await parseParams(url.searchParams, headerText(req.headers["content-type"]) ?? "", body);
    if (name === "auth/login") {
      const principal = await context.authenticate(params.get("password") ?? "");
      if (principal === undefined || !allows(principal.scopes, "downloads")) {
        logger.info({ keyId: principal?.keyId }, "qBittorrent login refused");
        return send(res, 200, "Fails.");
      }
      const session = await deps.store.createSession(principal.keyId);
      logger.info({ keyId: principal.keyId }, "qBittorrent login");
      return send(res, 200, "Ok.", {
        "set-cookie": sidCookie(session.token, SID_LIFETIME_MS / 1000, context.secureCookies),
      });
    }
    const principal = await principalOf(req);
    if (principal === undefined || !allows(principal.scopes, "downloads")) return send(res, 403, "Forbidden");
    if (name === "auth/logout") {
      const sid = readCookie(headerText(req.headers.cookie), "SID");
      if (sid !== undefined) await deps.store.endSession(sid);
      return send(res, 200, "", { "set-cookie": sidCookie("", 0, context.secureCookies) });
    }
    const answer = await handleQbt(deps, name, params, principal);
    send(res, answer.status, answer.body);
  }
}

function headerText(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}
