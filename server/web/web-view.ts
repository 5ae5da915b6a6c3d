/**
 * Views of the web page served from outside server/ (docs/web.md): a
 * {@link WebView} owns the paths under its prefix, and the web route does
 * everything that must be the same on every page before calling it — the
 * session, the scope of the path (server/auth/scope.ts; a 403 page otherwise),
 * the Origin check and the CSRF token of every POST — then sends what the view
 * answers with the page headers. The view itself never sees a cookie.
 */
import type { Scope } from "../auth/scope.js";
import type { SafeHtml } from "../../common/html.js";

/** The signed-in browser, as a view sees it (no cookie). */
export interface WebViewSession {
  /** The key it signed in with (public id). */
  readonly keyId: string;
  /** That key's scopes. */
  readonly scopes: readonly Scope[];
  /** The CSRF token every form of the view must carry in a field named `csrf`. */
  readonly csrf: string;
}

/** One request to a view: GET (HEAD answers the same fields) or a POST already checked for origin and CSRF. */
export interface WebViewRequest {
  readonly method: "GET" | "POST";
  /** The path, without the query. */
  readonly path: string;
  readonly query: URLSearchParams;
  /** A POST's fields (urlencoded or multipart), at most the view's `maxFormBytes`. */
  readonly form: FormData | undefined;
  readonly session: WebViewSession;
  /** Aborted when the browser leaves. */
  readonly signal: AbortSignal;
}

/** What a view answers: a whole page, a fragment of one (for its script), its script, or a 303 after a POST. */
export type WebViewAnswer =
  | {
      readonly kind: "page";
      readonly status: number;
      readonly page: SafeHtml;
      /** Whether the page loads a script of the view (its CSP then allows scripts from this origin). @default false */
      readonly script?: boolean | undefined;
      /** Whether the page plays media from this origin (its CSP then adds `media-src 'self'`). @default false */
      readonly media?: boolean | undefined;
    }
  | { readonly kind: "fragment"; readonly html: SafeHtml }
  | { readonly kind: "script"; readonly text: string }
  | { readonly kind: "redirect"; readonly location: string };

/** A view of the web page served by an extension. */
export interface WebView {
  /** Its paths: this one and everything below it (e.g. `/web/downloads`; its scope comes from scope.ts). */
  readonly prefix: string;
  /** The label of the link to it on the main page. */
  readonly label: string;
  /** Largest POST body (a multipart upload included). @default MAX_FORM_BYTES of web-request.ts */
  readonly maxFormBytes?: number | undefined;
  /** Answers one request. */
  handle(request: WebViewRequest): Promise<WebViewAnswer>;
}

/** Whether `path` is the view's prefix or below it. */
export function isViewPath(view: Pick<WebView, "prefix">, path: string): boolean {
  return path === view.prefix || path.startsWith(`${view.prefix}/`);
}
