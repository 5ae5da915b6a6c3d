/** Small I/O helpers of the web page: reading a form body, sending a page or a redirect, request facts. */
import { timingSafeEqual } from "node:crypto";
import { headerValue } from "../../common/http/preconditions.js";
import { sendHead, type Call } from "../http/route-call.js";
import type { SafeHtml } from "../../common/html.js";
import { pageHeaders } from "./layout.js";
import { isSameOrigin } from "./origin-check.js";

/** Largest form body accepted (a key or an item id and a few fields). */
export const MAX_FORM_BYTES = 16 * 1024;

/** Sends a page (HEAD: its fields only). */
export function sendPage(call: Call, status: number, page: SafeHtml, extra: Record<string, string> = {}): void {
  sendHead(call, status, { ...pageHeaders(page.text), ...extra }, page.text);
}

/** 303 See Other to a path of this server (after a POST, or to the sign-in page). */
export function redirect(call: Call, location: string, extra: Record<string, string> = {}): void {
  sendHead(call, 303, { ...extra, Location: location, "Content-Length": "0", "Cache-Control": "no-store" });
}

/** The host the request was sent to (HTTP/1.1 Host, HTTP/2 :authority). */
export function requestHost(call: Call): string | undefined {
  const h2 = (call.req as { authority?: string }).authority;
  return h2 ?? headerValue(call.req.headers, "host");
}

/** The origin the browser used, e.g. `http://127.0.0.1:8080`. */
export function requestOrigin(call: Call, tls: boolean): string {
  return `${tls ? "https" : "http"}://${requestHost(call) ?? "localhost"}`;
}

/** Whether a POST comes from this server's own pages (origin-check.ts). */
export function fromOwnPage(call: Call, tls: boolean, publicUrl: string | undefined): boolean {
  return isSameOrigin({
    origin: headerValue(call.req.headers, "origin"),
    secFetchSite: headerValue(call.req.headers, "sec-fetch-site"),
    host: requestHost(call),
    tls,
    publicUrl,
  });
}

/**
 * Reads an `application/x-www-form-urlencoded` body of at most
 * {@link MAX_FORM_BYTES}; undefined when it is another type or too large.
 */
export async function readForm(call: Call): Promise<URLSearchParams | undefined> {
  const type = (headerValue(call.req.headers, "content-type") ?? "").split(";")[0]?.trim().toLowerCase();
  if (type !== "application/x-www-form-urlencoded") return undefined;
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of call.req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_FORM_BYTES) return undefined;
    chunks.push(chunk);
  }
  return new URLSearchParams(Buffer.concat(chunks).toString("utf8"));
}

/** Constant-time equality of two texts (CSRF tokens). */
export function sameText(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}
