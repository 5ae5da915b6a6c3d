/**
 * The web route's side of a {@link WebView} (I/O): reads a POST's fields
 * (urlencoded or multipart, bounded), checks its CSRF token like every other
 * form, calls the view and sends its answer with the page headers. A view page
 * that has a script gets a CSP allowing scripts and fetches from this origin
 * only; every other page keeps the script-free CSP.
 */
import { headerValue } from "../../common/http/preconditions.js";
import { sendHead, type Call } from "../http/route-call.js";
import { PAGE_CSP } from "./layout.js";
import { messagePage } from "./pages/sign-in.js";
import type { RequestSession } from "./web-route.js";
import { MAX_FORM_BYTES, redirect, sameText, sendPage } from "./web-request.js";
import type { WebView, WebViewAnswer } from "./web-view.js";

/** The CSP of a view page that has its own script (`script-src 'self'`, fetches to this origin). */
export const VIEW_SCRIPT_CSP = `${PAGE_CSP}; script-src 'self'; connect-src 'self'`;

/** Serves a request under a view's prefix; `ownPage`: the Origin check's verdict (POST only). */
export async function serveView(
  call: Call,
  view: WebView,
  session: RequestSession | undefined,
  path: string,
  ownPage: () => boolean,
): Promise<void> {
  const post = call.method === "POST";
  if (session === undefined) {
    if (post) refuse(call);
    else redirect(call, "/");
    return;
  }
  const form = post && ownPage() ? await readFormData(call, view.maxFormBytes ?? MAX_FORM_BYTES) : undefined;
  if (post) {
    const csrf = form?.get("csrf");
    if (form === undefined || typeof csrf !== "string" || !sameText(csrf, session.csrf)) {
      refuse(call);
      return;
    }
  }
  const answer = await view.handle({
    method: post ? "POST" : "GET",
    path,
    query: new URL(call.req.url ?? "/", "http://x").searchParams,
    form,
    session: { keyId: session.principal.keyId, scopes: session.principal.scopes, csrf: session.csrf },
    signal: call.signal,
  });
  send(call, answer);
}

function send(call: Call, answer: WebViewAnswer): void {
  switch (answer.kind) {
    case "page":
      sendPage(
        call,
        answer.status,
        answer.page,
        answer.script !== true ? {} : { "Content-Security-Policy": VIEW_SCRIPT_CSP },
      );
      return;
    case "fragment":
      sendPage(call, 200, answer.html);
      return;
    case "script":
      sendHead(
        call,
        200,
        {
          "Content-Type": "text/javascript; charset=utf-8",
          "Content-Length": String(Buffer.byteLength(answer.text)),
          "Cache-Control": "no-store",
          "X-Content-Type-Options": "nosniff",
        },
        answer.text,
      );
      return;
    case "redirect":
      redirect(call, answer.location.startsWith("/") && !answer.location.startsWith("//") ? answer.location : "/");
      return;
  }
}

function refuse(call: Call): void {
  sendPage(
    call,
    403,
    messagePage("Refused", "This form did not come from a page of this peer, or your session ended. Sign in again."),
  );
}

/**
 * A POST's fields, urlencoded or `multipart/form-data`, read up to `maxBytes`
 * (undefined when larger, of another type, or malformed), parsed by the
 * platform's own form parser (undici's `Response.formData`).
 */
export async function readFormData(call: Call, maxBytes: number): Promise<FormData | undefined> {
  const contentType = headerValue(call.req.headers, "content-type") ?? "";
  const type = contentType.split(";")[0]?.trim().toLowerCase();
  if (type !== "application/x-www-form-urlencoded" && type !== "multipart/form-data") return undefined;
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of call.req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > maxBytes) return undefined;
    chunks.push(chunk);
  }
  try {
    return await new Response(Buffer.concat(chunks), { headers: { "content-type": contentType } }).formData();
  } catch {
    return undefined;
  }
}
