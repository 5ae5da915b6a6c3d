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
import type { RequestSession } from "./session-store.js";
import { MAX_FORM_BYTES, redirect, sameText, sendPage } from "./web-request.js";
import type { WebView, WebViewAnswer } from "./web-view.js";

/** The CSP of a view page that has its own script (`script-src 'self'`, fetches to this origin). */
export const VIEW_SCRIPT_CSP = `${PAGE_CSP}; script-src 'self'; connect-src 'self'`;

/** The CSP of a view page with a `<video>` or `<audio>` of this origin (and no script). */
export const VIEW_MEDIA_CSP = `${PAGE_CSP}; media-src 'self'`;

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
  let form: FormData | undefined;
  if (post) {
    // Cross-site posts are refused before the body is read.
    const read = ownPage() ? await readFormData(call, view.maxFormBytes ?? MAX_FORM_BYTES) : undefined;
    if (read !== undefined && !(read instanceof FormData)) {
      sendPage(call, read.status, messagePage(read.title, read.message, session.csrf));
      return;
    }
    const csrf = read?.get("csrf");
    if (read === undefined || typeof csrf !== "string" || !sameText(csrf, session.csrf)) {
      refuse(call);
      return;
    }
    form = read;
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
      sendPage(call, answer.status, answer.page, pageCsp(answer));
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

/** A view page's CSP: the script-free one, widened only by what the page says it has (a script, media). */
function pageCsp(answer: { readonly script?: boolean | undefined; readonly media?: boolean | undefined }) {
  const fields: Record<string, string> = {};
  if (answer.script === true)
    fields["Content-Security-Policy"] =
      answer.media === true ? `${VIEW_SCRIPT_CSP}; media-src 'self'` : VIEW_SCRIPT_CSP;
  else if (answer.media === true) fields["Content-Security-Policy"] = VIEW_MEDIA_CSP;
  return fields;
}

function refuse(call: Call): void {
  sendPage(
    call,
    403,
    messagePage("Refused", "This form did not come from a page of this peer, or your session ended. Sign in again."),
  );
}

/** Why a form body was not read. */
export interface FormRefusal {
  readonly status: 400 | 413 | 415;
  readonly title: string;
  readonly message: string;
}

/**
 * A POST's fields, urlencoded or `multipart/form-data`, read up to `maxBytes`
 * and parsed by the platform's own form parser (undici's `Response.formData`);
 * otherwise why not (too large, another type, malformed).
 */
export async function readFormData(call: Call, maxBytes: number): Promise<FormData | FormRefusal> {
  const contentType = headerValue(call.req.headers, "content-type") ?? "";
  const type = contentType.split(";")[0]?.trim().toLowerCase();
  if (type !== "application/x-www-form-urlencoded" && type !== "multipart/form-data")
    return { status: 415, title: "Not a form", message: "Send the form as urlencoded or multipart/form-data." };
  const declared = Number(headerValue(call.req.headers, "content-length") ?? "0");
  const tooLarge: FormRefusal = {
    status: 413,
    title: "Too large",
    message: `The form is larger than ${maxBytes} bytes; nothing was done.`,
  };
  if (declared > maxBytes) return tooLarge;
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of call.req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > maxBytes) return tooLarge;
    chunks.push(chunk);
  }
  try {
    return await new Response(Buffer.concat(chunks), { headers: { "content-type": contentType } }).formData();
  } catch {
    return { status: 400, title: "Bad form", message: "The form could not be read (malformed body)." };
  }
}
