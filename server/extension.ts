/**
 * The one hook through which something outside server/ (service/, the download
 * queue) serves on the peer's port without server/ knowing what it is: more
 * Connect services (authenticated by the same interceptor, their scope from
 * server/auth/scope.ts), one more plain HTTP route, tried before the 404, and
 * one view of the web page (server/web/web-view.ts: the web route checks its
 * sessions, scopes, Origin and CSRF tokens).
 */
import type { DescService } from "@bufbuild/protobuf";
import type { ConnectRouter } from "@connectrpc/connect";
import type { Logger } from "pino";
import type { Authenticate, Principal } from "./auth/principal.js";
import type { FileRoute } from "./http/serve-file.js";
import type { WebView } from "./web/web-view.js";

/** What the server gives an extension. */
export interface ServerExtensionContext {
  /** The key store's check (scopes included in the principal). */
  readonly authenticate: Authenticate;
  /** The principal of an active key by id (for sessions tied to a key), else undefined. */
  readonly principal: (keyId: string) => Promise<Principal | undefined>;
  /** The server's logger. */
  readonly logger: Logger;
  /** Aborted when the server starts closing. */
  readonly shutdownSignal: AbortSignal;
  /** Whether the server speaks TLS. */
  readonly tls: boolean;
  /** Whether cookies must be Secure: TLS, or an https `--public-url` (server/web/cookies.ts secureCookies). */
  readonly secureCookies: boolean;
  /** The `--public-url`, if any (origin checks of form posts). */
  readonly publicUrl: string | undefined;
  /** The web page's live session of a request's Cookie header (its key re-checked), else undefined. */
  readonly webSession: (cookieHeader: string | undefined) => Promise<WebSession | undefined>;
}

/** A signed-in browser, as an extension sees it. */
export interface WebSession {
  readonly principal: Principal;
  /** The CSRF token its forms must carry. */
  readonly csrf: string;
}

/** What an extension serves. */
export interface ServerExtension {
  /** Registers more services on the server's router. */
  readonly routes?: ((router: ConnectRouter) => void) | undefined;
  /** The services `routes` registers: each call needs a key with the scope its path needs. */
  readonly services?: readonly DescService[] | undefined;
  /** A plain HTTP route tried after the server's own (true when it handled the request). */
  readonly httpRoute?: FileRoute | undefined;
  /** A view of the web page under its prefix (sessions, scope, Origin and CSRF checked by the web route). */
  readonly webView?: WebView | undefined;
  /** Called when the server closes, after connections ended and before its database closes. */
  readonly close?: (() => Promise<void>) | undefined;
}

/** Builds the extension once the key store is open, before the server listens. */
export type ServerExtensionFactory = (context: ServerExtensionContext) => Promise<ServerExtension>;
