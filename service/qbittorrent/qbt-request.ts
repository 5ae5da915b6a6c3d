/**
 * HTTP plumbing of the qBittorrent API (pure parts and bounded reads): the
 * request's parameters from the query and an urlencoded or multipart body
 * (read at most {@link MAX_BODY_BYTES}), and short answers.
 */
import type http from "node:http";
import type http2 from "node:http2";

/** Largest request body: 16 MiB (a few .torrent files). */
export const MAX_BODY_BYTES = 16 * 1024 * 1024;

/** A request's parameters: text fields, and uploaded files by field name. */
export interface QbtParams {
  get(name: string): string | undefined;
  /** Every uploaded file, whatever its field name (qBittorrent takes them all: Sonarr sends `torrents`, @ctrl/qbittorrent `file`). */
  files(): Uint8Array[];
}

/** A response the route can write. */
export type QbtResponse = http.ServerResponse | http2.Http2ServerResponse;

/** Reads the body (bounded); undefined when it is too large. */
export async function readBody(req: AsyncIterable<Buffer>): Promise<Buffer | undefined> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += chunk.length;
    if (size > MAX_BODY_BYTES) return undefined;
    chunks.push(chunk);
  }
  return Buffer.concat(chunks);
}

/** Parses the query and the body (urlencoded or multipart/form-data). */
export async function parseParams(query: URLSearchParams, contentType: string, body: Buffer): Promise<QbtParams> {
  const fields = new Map<string, string>();
  const files: Uint8Array[] = [];
  for (const [k, v] of query) fields.set(k, v);
  if (body.length > 0 && /^(multipart\/form-data|application\/x-www-form-urlencoded)/i.test(contentType)) {
    const form = await new Response(body, { headers: { "content-type": contentType } }).formData();
    for (const [k, v] of form) {
      if (typeof v === "string") fields.set(k, v);
      else files.push(new Uint8Array(await v.arrayBuffer()));
    }
  }
  return { get: (n) => fields.get(n), files: () => files };
}

/** Writes a short answer. */
export function send(
  res: QbtResponse,
  status: number,
  body: string | object,
  headers: Record<string, string> = {},
): void {
  const json = typeof body !== "string";
  const text = json ? JSON.stringify(body) : body;
  res.statusCode = status;
  res.setHeader("content-type", json ? "application/json" : "text/plain; charset=UTF-8");
  res.setHeader("content-length", String(Buffer.byteLength(text)));
  res.setHeader("cache-control", "no-store");
  for (const [k, v] of Object.entries(headers)) res.setHeader(k, v);
  (res as http.ServerResponse).end(text);
}

/** The hashes of a `hashes` parameter: `|`-separated, or `all`. */
export function parseHashes(value: string | undefined): readonly string[] | "all" {
  if (value === undefined || value.trim() === "") return [];
  if (value.trim() === "all") return "all";
  return value
    .split("|")
    .map((h) => h.trim().toLowerCase())
    .filter((h) => /^[0-9a-f]{40}$/.test(h));
}

/** A boolean form value (`true`/`false`, any case). */
export function flag(value: string | undefined): boolean {
  return value?.trim().toLowerCase() === "true";
}

/**
 * The SID cookie: HttpOnly, SameSite=Strict, Secure when the web page's cookies are (TLS or an https
 * public URL). Always named `SID`, without the `__Host-` prefix: qBittorrent clients look for that name.
 */
export function sidCookie(token: string, maxAgeSeconds: number, secure: boolean): string {
  return `SID=${token}; Path=/; Max-Age=${Math.max(0, Math.floor(maxAgeSeconds))}; HttpOnly; SameSite=Strict${secure ? "; Secure" : ""}`;
}
