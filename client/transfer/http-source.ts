/**
 * Reads an item over the HTTP route `GET /v1/files/<id>` with
 * `Range: bytes=<offset>-` and `If-Range: <etag>`, with the same guards as the
 * RPC path: a 200 to a ranged request restarts with that body from byte 0, a
 * 206 must start at the offset asked and end at the expected size, a 206 to an
 * unranged request is an error, and 416 at the end of a complete part means
 * "verify what we have".
 *
 * A read whose caller copies every chunk at once (`transient`, the pieces path) over plain
 * `http:` goes through raw-http/raw-request.ts (one reused read buffer); any other through
 * node:http(s).
 */
import http from "node:http";
import https from "node:https";
import type { IncomingMessage } from "node:http";
import { DownloadError, HttpStatusError } from "../errors.js";
import type { PeerClient } from "../rpc/peer-client.js";
import { itemPath, parseContentLength, parseContentRange, parseDigestHeaders } from "./http-response.js";
import { rawRequest } from "./raw-http/raw-request.js";
import type { Chunk, OpenRead, ReadMeta } from "./read-source.js";

/** A response head and its body, whichever HTTP client read it. */
export interface HttpResponse {
  readonly status: number;
  /** A header's value (the first, when sent as a list). */
  header(name: string): string | undefined;
  /** The body's bytes in order. */
  readonly chunks: AsyncIterator<Uint8Array>;
  /** Reads past the body (keeps a reusable connection). */
  discard(): void;
  /** Drops the body and the connection. */
  destroy(): void;
}

/** A node:http response as an {@link HttpResponse}. */
export function fromIncoming(res: IncomingMessage): HttpResponse {
  return {
    status: res.statusCode ?? 0,
    header: (name) => {
      const v = res.headers[name];
      return Array.isArray(v) ? v[0] : v;
    },
    chunks: res[Symbol.asyncIterator]() as AsyncIterator<Uint8Array>,
    discard: () => res.resume(),
    destroy: () => res.destroy(),
  };
}

/** One GET: over raw-http when the caller copies each chunk and the URL is plain http:, else node:http(s). */
export async function getResponse(
  url: URL,
  headers: Record<string, string>,
  signal: AbortSignal,
  transient: boolean,
): Promise<HttpResponse> {
  if (!transient || url.protocol !== "http:") return fromIncoming(await requestGet(url, headers, signal));
  const res = await rawRequest({ method: "GET", url, headers, signal });
  return {
    status: res.status,
    header: (name) => res.headers[name],
    chunks: res.body,
    discard: () => res.destroy(),
    destroy: () => res.destroy(),
  };
}

/** An OpenRead over the HTTP file route of `client.baseUrl`. */
export function httpSource(client: Pick<PeerClient, "baseUrl" | "apiKey">): OpenRead {
  return async (req) => {
    const url = new URL(client.baseUrl + itemPath(req.itemId));
    const headers: Record<string, string> = {
      authorization: `Bearer ${client.apiKey}`,
      // Ranges are about the bytes on disk: never a content-coding (RFC 9110 §14.1.1).
      "accept-encoding": "identity",
    };
    const ranged = req.offset > 0 || req.length !== undefined;
    const last = req.length === undefined ? "" : String(req.offset + req.length - 1);
    if (ranged) {
      headers.range = `bytes=${req.offset}-${last}`;
      if (req.ifMatch !== undefined) headers["if-range"] = req.ifMatch;
    } else if (req.ifMatch !== undefined) {
      headers["if-match"] = req.ifMatch;
    }
    const res = await getResponse(url, headers, req.signal, req.transient === true);
    try {
      return openResponse(res, req.offset, ranged, req.expectedSize, req.ifMatch, req.length);
    } catch (err) {
      res.destroy();
      throw err;
    }
  };
}

/** One GET with node:http(s) (large reads, no WHATWG streams: docs/performance.md). */
export function requestGet(url: URL, headers: Record<string, string>, signal: AbortSignal): Promise<IncomingMessage> {
  return new Promise<IncomingMessage>((resolve, reject) => {
    const mod = url.protocol === "https:" ? https : http;
    const r = mod.request(url, { method: "GET", headers, signal }, resolve);
    r.on("error", reject);
    r.end();
  });
}

function metaOf(res: HttpResponse, size: number): ReadMeta {
  const root = res.header("x-pieces-root")?.trim().toLowerCase();
  const pieceLength = parseContentLength(res.header("x-piece-length"));
  return {
    size,
    etag: res.header("etag") ?? "",
    sha256: parseDigestHeaders(res.header("x-content-sha256"), res.header("repr-digest")),
    piecesRoot: root !== undefined && /^[0-9a-f]{64}$/.test(root) ? root : undefined,
    pieceLength: pieceLength !== undefined && pieceLength > 0 ? pieceLength : undefined,
  };
}

/** Checks a GET's status and range against the request; the body as chunks. Throws on a mismatch. */
export function openResponse(
  res: HttpResponse,
  offset: number,
  ranged: boolean,
  expectedSize: number | undefined,
  ifMatch: string | undefined,
  length?: number,
) {
  const status = res.status;
  if (status === 200) {
    const length = parseContentLength(res.header("content-length"));
    if (length === undefined)
      throw new DownloadError(
        "unknown-size",
        "the peer sent no Content-Length; the size must be known to verify a download",
      );
    return { meta: metaOf(res, length), start: 0, body: bodyOf(res, 0), full: true };
  }
  if (status === 206) {
    if (!ranged) throw new DownloadError("protocol", "the peer answered 206 to a request without a Range");
    const cr = parseContentRange(res.header("content-range"));
    if (cr === undefined || cr.kind !== "range")
      throw new DownloadError("protocol", "the peer's 206 has no valid Content-Range");
    if (cr.first !== offset)
      throw new DownloadError("protocol", `the peer's 206 starts at ${cr.first}, ${offset} was asked`);
    const wantLast = length === undefined ? cr.size - 1 : Math.min(cr.size, offset + length) - 1;
    if (cr.last !== wantLast)
      throw new DownloadError("protocol", `the peer's 206 ends at ${cr.last}, ${wantLast} was asked`);
    return { meta: metaOf(res, cr.size), start: cr.first, body: bodyOf(res, cr.first) };
  }
  if (status === 416) {
    const cr = parseContentRange(res.header("content-range"));
    res.discard();
    // Asking from the end of a complete part gets 416: verify what we have (size and digest), else restart.
    if (
      cr?.kind === "unsatisfied" &&
      expectedSize !== undefined &&
      cr.size === expectedSize &&
      offset === expectedSize
    ) {
      const meta = metaOf(res, cr.size);
      // A 416 need not carry an ETag; If-Range was evaluated before the range, so the validator held.
      return {
        meta: { ...meta, etag: meta.etag === "" ? (ifMatch ?? "") : meta.etag },
        start: offset,
        body: emptyBody(),
        atEnd: true,
      };
    }
    throw new DownloadError("changed", "the peer cannot serve the range asked (416): the file changed");
  }
  res.discard();
  throw new HttpStatusError(status, res.header("retry-after"));
}

function emptyBody(): AsyncIterator<Chunk> {
  return { next: async () => ({ done: true, value: undefined }) };
}

function bodyOf(res: HttpResponse, start: number): AsyncIterator<Chunk> {
  const it = res.chunks;
  let position = start;
  return {
    async next() {
      const r = await it.next();
      if (r.done === true) {
        // A response cut short emits 'aborted'/'error'; a clean end with a short body is caught by the byte count.
        return { done: true, value: undefined };
      }
      const chunk: Chunk = { offset: position, data: r.value };
      position += r.value.length;
      return { done: false, value: chunk };
    },
    async return() {
      // The body's own return() first: raw-http keeps a connection whose body was read to its end.
      await it.return?.();
      res.destroy();
      return { done: true, value: undefined };
    },
  };
}
