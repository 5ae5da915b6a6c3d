/**
 * The frame of every page and the header fields pages are sent with (pure).
 * No script at all: browsing, downloading and creating links are links and
 * forms, so the CSP can forbid scripts outright (docs/web.md).
 */
import { html, type SafeHtml } from "../../common/html.js";

/** Path of the stylesheet (the only subresource; CSP `style-src 'self'`). */
export const STYLESHEET_PATH = "/web/style.css";

/** The Content-Security-Policy of pages: nothing but our stylesheet and forms posting to us. */
export const PAGE_CSP =
  "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

/**
 * Added to file bytes served to browsers (links, web downloads): a shared
 * HTML or SVG file opened in the browser runs sandboxed, as a unique origin, with no script.
 */
export const FILE_CSP = "default-src 'none'; img-src 'self'; media-src 'self'; style-src 'unsafe-inline'; sandbox";

/** Fields every page is sent with. */
export function pageHeaders(body: string): Record<string, string> {
  return {
    "Content-Type": "text/html; charset=utf-8",
    "Content-Length": String(Buffer.byteLength(body)),
    "Content-Security-Policy": PAGE_CSP,
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    // Link URLs carry tokens: never send them to another site as a Referer. Not "no-referrer": with it,
    // browsers send `Origin: null` on our own form posts, and the Origin check (origin-check.ts) needs the real one.
    "Referrer-Policy": "same-origin",
    "Cache-Control": "no-store",
  };
}

/** Options of {@link layout}. */
export interface LayoutOptions {
  /** The page title (escaped). */
  readonly title: string;
  /** Main content. */
  readonly body: SafeHtml;
  /** When signed in: the CSRF token for the sign-out form. */
  readonly csrf?: string | undefined;
  /** The page's referrer policy: "no-referrer" on link pages (their URL is a secret). @default "same-origin" */
  readonly referrer?: "same-origin" | "no-referrer" | undefined;
}

/** A whole HTML document. */
// The title separator is written \u00b7 (·): scripts/build.mjs keeps the bundle ASCII.
export function layout(options: LayoutOptions): SafeHtml {
  const signOut =
    options.csrf === undefined
      ? ""
      : html`<form class="sign-out" method="post" action="/web/sign-out"><input type="hidden" name="csrf" value="${options.csrf}"><button type="submit">Sign out</button></form>`;
  return html`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="${options.referrer ?? "same-origin"}">
<title>${options.title} \u00b7 peer</title>
<link rel="stylesheet" href="${STYLESHEET_PATH}">
</head>
<body>
<header><a class="home" href="/">peer</a>${signOut}</header>
<main>
${options.body}
</main>
</body>
</html>
`;
}
