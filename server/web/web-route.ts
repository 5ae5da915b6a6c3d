/**
 * The web page (docs/web.md): `GET /` signs in with an API key and then
 * browses the shares; `/web/…` holds folder pages, file details, downloads
 * (the same RFC 9110 code as `/v1/files/`) and the share-link form. Pages are
 * pure templates (server/web/pages); this module only does I/O. Without a
 * session every page answers the same way (the sign-in page or a redirect to
 * it), so nothing says whether an item exists.
 */
import type pino from "pino";
import type { Authenticate } from "../auth/principal.js";
import { allows, requiredScope, scopeDeniedMessage } from "../auth/scope.js";
import type { Catalog, FileEntry, FolderListing } from "../catalog/catalog.js";
import { headerValue } from "../../common/http/preconditions.js";
import { decodeSegment, targetPath } from "../http/route.js";
import { runCall, sendHead, type Call } from "../http/route-call.js";
import { callServices, type FileRoute } from "../http/serve-file.js";
import { serveEntry } from "../http/serve-entry.js";
import type { StreamLimiter } from "../limits/stream-limiter.js";
import { linkUrl } from "../links/link-path.js";
import type { LinkStore } from "../links/link-store.js";
import { readCookie, clearedSessionCookie, secureCookies, sessionCookie, sessionCookieName } from "./cookies.js";
import { FILE_CSP } from "./layout.js";
import { browsePage } from "./pages/browse.js";
import { itemPage, LINK_EXPIRY_CHOICES, linkCreatedPage } from "./pages/item.js";
import { messagePage, signInPage } from "./pages/sign-in.js";
import type { ActiveSession, RequestSession, SessionStore } from "./session-store.js";
import { parseSort } from "./sort-rows.js";
import { STYLESHEET } from "./style.js";
import { serveFolderZip } from "../zip/serve-folder-zip.js";
import { createCrcCache } from "../zip/zip-bytes.js";
import { fromOwnPage, readForm, redirect, requestOrigin, sameText, sendPage } from "./web-request.js";
import { isViewPath, type WebView } from "./web-view.js";
import { serveView } from "./web-view-route.js";

/** Options of {@link createWebRoute}. */
export interface WebRouteOptions {
  readonly catalog: Catalog;
  readonly authenticate: Authenticate;
  readonly sessions: SessionStore;
  readonly links: LinkStore;
  readonly logger: pino.Logger;
  readonly limiter?: StreamLimiter | undefined;
  /** Whether the server speaks TLS (Secure cookies, https origins). */
  readonly tls: boolean;
  /** Base of share links; the origin the browser used when absent. */
  readonly publicUrl?: string | undefined;
  /** Whether the server makes .torrent files (`/v1/torrents/`): the details page then links to them. @default false */
  readonly torrents?: boolean | undefined;
  /** The extension's view of the web page (server/web/web-view.ts). @default none */
  readonly view?: WebView | undefined;
  /** Largest read from disk. @default DEFAULT_CHUNK_SIZE of serve-file.ts */
  readonly chunkSize?: number | undefined;
}

/** CRC-32s of files served in ZIPs, so that a resumed ZIP need not re-read what it already sent (zip-bytes.ts). */
const zipCrcs = createCrcCache();

/** Days a web-made link lives, per choice of the form. */
const EXPIRY_MS: Readonly<Record<string, number>> = { "1d": 86_400_000, "7d": 7 * 86_400_000, "30d": 30 * 86_400_000 };
/** Most search results shown. */
const MAX_RESULTS = 200;

/** Creates the route: true for `/` and paths under `/web/`, false (untouched) otherwise. */
export function createWebRoute(options: WebRouteOptions): FileRoute {
  const services = callServices(options);
  return (req, res) => {
    const path = targetPath(req.url ?? "/");
    if (path !== "/" && !path.startsWith("/web/")) return false;
    runCall(services, req, res, undefined, (call) => dispatch(call, options, path));
    return true;
  };
}

/** The request's live session, if any (and its id on the log line); `secure`: see cookies.ts secureCookies. */
export async function sessionOf(
  call: Call,
  sessions: SessionStore,
  secure: boolean,
): Promise<RequestSession | undefined> {
  const token = readCookie(headerValue(call.req.headers, "cookie"), sessionCookieName(secure));
  const session = token === undefined ? undefined : await sessions.resolve(token);
  if (session === undefined || token === undefined) return undefined;
  call.sessionId = session.id;
  call.keyId = session.principal.keyId;
  return { ...session, token };
}

async function dispatch(call: Call, options: WebRouteOptions, path: string): Promise<void> {
  const { method } = call;
  const get = method === "GET" || method === "HEAD";
  if (path === "/web/style.css" && get) {
    sendHead(
      call,
      200,
      {
        "Content-Type": "text/css; charset=utf-8",
        "Content-Length": String(Buffer.byteLength(STYLESHEET)),
        "Cache-Control": "max-age=3600",
        "X-Content-Type-Options": "nosniff",
      },
      STYLESHEET,
    );
    return;
  }
  if (path === "/web/sign-in" && method === "POST") return signIn(call, options);
  const session = await sessionOf(call, options.sessions, secureCookies(options.tls, options.publicUrl));
  const required = requiredScope(path);
  const view = options.view;
  if (path === "/" && get && session !== undefined && view !== undefined && leadsToView(session, view)) {
    redirect(call, view.prefix);
    return;
  }
  if (session !== undefined && !allows(session.principal.scopes, required)) {
    const scope = required === "none" ? "read" : required;
    sendPage(call, 403, messagePage("Not allowed", scopeDeniedMessage(scope), session.csrf));
    return;
  }
  if (view !== undefined && isViewPath(view, path) && (get || method === "POST"))
    return serveView(call, view, session, path, () => fromOwnPage(call, options.tls, options.publicUrl));
  if (method === "POST") {
    // Cross-site posts are refused before anything else is looked at.
    const form = fromOwnPage(call, options.tls, options.publicUrl) ? await readForm(call) : undefined;
    const csrf = form?.get("csrf") ?? "";
    if (session === undefined || form === undefined || !sameText(csrf, session.csrf)) {
      sendPage(
        call,
        403,
        messagePage(
          "Refused",
          "This form did not come from a page of this peer, or your session ended. Sign in again.",
        ),
      );
      return;
    }
    if (path === "/web/sign-out") return signOut(call, options, session);
    if (path === "/web/links") return createLink(call, options, session, form);
    sendPage(call, 404, messagePage("Not found", "There is nothing here.", session.csrf));
    return;
  }
  if (!get) {
    sendHead(call, 405, { Allow: "GET, HEAD, POST", "Content-Length": "0", "Cache-Control": "no-store" });
    return;
  }
  if (session === undefined) {
    // Every page looks the same without a session: nothing says what exists.
    if (path === "/") sendPage(call, 200, signInPage());
    else redirect(call, "/");
    return;
  }
  const query = new URL(call.req.url ?? "/", "http://x").searchParams;
  if (path === "/") return browse(call, options, session, undefined, query);
  const [, , section, ...raw] = path.split("/");
  const folder = section === "browse" && raw[raw.length - 1] === "";
  const ids = decodeId(folder ? raw.slice(0, -1) : raw);
  if (section === "browse" && folder && ids !== undefined) return browse(call, options, session, ids, query);
  if (section === "item" && ids !== undefined && ids.includes("/")) return details(call, options, session, ids);
  if (section === "files" && ids !== undefined && ids.includes("/")) return download(call, options, ids);
  if (section === "zip" && raw[raw.length - 1] === "") {
    const folderId = decodeId(raw.slice(0, -1));
    if (folderId !== undefined) {
      call.itemId = folderId;
      call.extraHeaders = { "Referrer-Policy": "no-referrer" };
      const name = folderId.slice(folderId.lastIndexOf("/") + 1);
      return serveFolderZip(call, { limiterKey: call.keyId ?? "web", crcs: zipCrcs }, folderId, name);
    }
  }
  sendPage(call, 404, messagePage("Not found", "There is nothing here.", session.csrf));
}

/** Whether `/` leads a session to the view: it may open the view but not browse (a downloads-only key). */
function leadsToView(session: ActiveSession, view: WebView): boolean {
  const scopes = session.principal.scopes;
  return !allows(scopes, requiredScope("/")) && allows(scopes, requiredScope(view.prefix));
}

/** Decodes raw path segments (each once) into an id; undefined when one is empty, `.`, `..` or holds a separator. */
function decodeId(raw: readonly string[]): string | undefined {
  if (raw.length === 0) return undefined;
  const parts: string[] = [];
  for (const r of raw) {
    const d = decodeSegment(r);
    if (d === undefined) return undefined;
    parts.push(d);
  }
  return parts.join("/");
}

async function signIn(call: Call, options: WebRouteOptions): Promise<void> {
  const form = fromOwnPage(call, options.tls, options.publicUrl) ? await readForm(call) : undefined;
  if (form === undefined) {
    sendPage(call, 403, messagePage("Refused", "Sign in from this peer's own page."));
    return;
  }
  const principal = await options.authenticate(form.get("key")?.trim() ?? "");
  if (principal === undefined) {
    sendPage(call, 401, signInPage("That key is not valid (unknown, expired or revoked)."));
    return;
  }
  const session = await options.sessions.create(principal);
  call.keyId = principal.keyId;
  call.sessionId = session.id;
  const maxAge = (session.expiresAt - Date.now()) / 1000;
  redirect(call, "/", {
    "Set-Cookie": sessionCookie(session.token, maxAge, secureCookies(options.tls, options.publicUrl)),
  });
}

async function signOut(call: Call, options: WebRouteOptions, session: ActiveSession): Promise<void> {
  await options.sessions.end(session.id);
  redirect(call, "/", { "Set-Cookie": clearedSessionCookie(secureCookies(options.tls, options.publicUrl)) });
}

async function browse(
  call: Call,
  options: WebRouteOptions,
  session: ActiveSession,
  folderId: string | undefined,
  query: URLSearchParams,
): Promise<void> {
  const listing: FolderListing | undefined =
    folderId === undefined
      ? {
          children: options.catalog.shares().map((name) => ({ kind: "folder" as const, name, id: name })),
          truncated: false,
        }
      : await options.catalog.folder(folderId);
  if (listing === undefined) {
    sendPage(call, 404, messagePage("Not found", "There is no such folder.", session.csrf));
    return;
  }
  const q = (query.get("q") ?? "").trim().slice(0, 200);
  const results = q === "" ? undefined : await search(options.catalog, folderId, q, call.signal);
  const view = options.view;
  const views =
    view !== undefined && allows(session.principal.scopes, requiredScope(view.prefix))
      ? [{ href: view.prefix, label: view.label }]
      : [];
  const page = { folderId, listing, sort: parseSort(query), query: q, results, csrf: session.csrf, views };
  sendPage(call, 200, browsePage({ ...page, torrents: options.torrents === true }));
}

/** Files whose name holds `query`, below `folderId` (all shares when undefined), at most MAX_RESULTS. */
async function search(
  catalog: Catalog,
  folderId: string | undefined,
  query: string,
  signal: AbortSignal,
): Promise<FileEntry[]> {
  const share = folderId?.split("/")[0];
  const prefix = folderId === undefined ? "" : `${folderId}/`;
  const found: FileEntry[] = [];
  let pageToken: string | undefined;
  do {
    const page = await catalog.list({ share, query, pageSize: MAX_RESULTS, pageToken, signal });
    for (const item of page.items) if (item.id.startsWith(prefix) && found.length < MAX_RESULTS) found.push(item);
    pageToken = page.nextPageToken;
  } while (pageToken !== undefined && found.length < MAX_RESULTS);
  return found;
}

async function details(call: Call, options: WebRouteOptions, session: ActiveSession, itemId: string): Promise<void> {
  const entry = await options.catalog.stat(itemId);
  call.itemId = itemId;
  if (entry === undefined) {
    sendPage(call, 404, messagePage("Not found", "There is no such file.", session.csrf));
    return;
  }
  const piecesRoot = entry.piecesRoot === "" ? undefined : entry.piecesRoot;
  sendPage(
    call,
    200,
    itemPage({
      entry,
      csrf: session.csrf,
      piecesRoot,
      pieceLength: piecesRoot === undefined ? undefined : entry.pieceLength,
      torrents: options.torrents === true,
    }),
  );
}

async function download(call: Call, options: WebRouteOptions, itemId: string): Promise<void> {
  call.itemId = itemId;
  const entry = await options.catalog.stat(itemId);
  if (entry === undefined) {
    sendPage(call, 404, messagePage("Not found", "There is no such file."));
    return;
  }
  // A shared HTML or SVG file opened from here must not run as this page's origin.
  call.extraHeaders = { "Content-Security-Policy": FILE_CSP, "Referrer-Policy": "no-referrer" };
  await serveEntry(call, { limiterKey: call.keyId ?? "web" }, entry);
}

async function createLink(
  call: Call,
  options: WebRouteOptions,
  session: ActiveSession,
  form: URLSearchParams,
): Promise<void> {
  // The form sends the id percent-encoded per segment (item.ts): escaping for the page never alters it.
  const itemId = decodeId((form.get("item") ?? "").split("/")) ?? "";
  const choice = form.get("expires") ?? "7d";
  const entry = itemId.endsWith("/") ? undefined : await options.catalog.stat(itemId);
  const lifetime = EXPIRY_MS[choice];
  if (entry === undefined || lifetime === undefined || !(LINK_EXPIRY_CHOICES as readonly string[]).includes(choice)) {
    sendPage(call, 404, messagePage("Not found", "There is no such file.", session.csrf));
    return;
  }
  call.itemId = entry.id;
  const created = await options.links.create({
    target: entry.id,
    expiresAt: new Date(Date.now() + lifetime),
    createdBy: session.principal.keyId,
  });
  call.linkId = created.id;
  const url = linkUrl(options.publicUrl ?? requestOrigin(call, options.tls), created.token, created.target);
  sendPage(
    call,
    200,
    linkCreatedPage({
      url,
      itemId: entry.id,
      name: entry.name,
      expiresAt: created.expiresAt?.getTime() ?? null,
      csrf: session.csrf,
    }),
  );
}
