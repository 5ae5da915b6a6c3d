/**
 * Reads an item over the HTTP route `GET /v1/files/<id>` with
 * `Range: bytes=<offset>-` and `If-Range: <etag>`, with the same guards as the
 * RPC path: a 200 to a ranged request restarts with that body from byte 0, a
 * 206 must start at the offset asked and end at the expected size, a 206 to an
 * unranged request is an error, and 416 at the end of a complete part means
 * "verify what we have".
 */
import http from "node:http";
import https from "node:https";
import type { IncomingMessage } from "node:http";
import { DownloadError, HttpStatusError } from "../errors.js";
import type { PeerClient } from "../peer-client.js";
import { itemPath, parseContentLength, parseContentRange, parseDigestHeaders } from "./http-response.js";
import type { Chunk, OpenRead, ReadMeta } from "./read-source.js";

const header = (res: IncomingMessage, name: string): string | undefined => {
  const v = res.headers[name];
  return Array.isArray(v) ? v[0] : v;
};

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
    const res = await requestGet(url, headers, req.signal);
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

function metaOf(res: IncomingMessage, size: number): ReadMeta {
  const root = header(res, "x-pieces-root")?.trim().toLowerCase();
  const pieceLength = parseContentLength(header(res, "x-piece-length"));
  return {
    size,
    etag: header(res, "etag") ?? "",
    sha256: parseDigestHeaders(header(res, "x-content-sha256"), header(res, "repr-digest")),
    piecesRoot: root !== undefined && /^[0-9a-f]{64}$/.test(root) ? root : undefined,
    pieceLength: pieceLength !== undefined && pieceLength > 0 ? pieceLength : undefined,
  };
}

/** Checks a GET's status and range against the request; the body as chunks. Throws on a mismatch. */
export function openResponse(
  res: IncomingMessage,
  offset: number,
  ranged: boolean,
  expectedSize: number | undefined,
  ifMatch: string | undefined,
  length?: number,
) {
  const status = res.statusCode ?? 0;
  if (status === 200) {
    const length = parseContentLength(header(res, "content-length"));
    if (length === undefined)
      throw new DownloadError(
        "unknown-size",
        "the peer sent no Content-Length; the size must be known to verify a download",
      );
    return { meta: metaOf(res, length), start: 0, body: bodyOf(res, 0), full: true };
  }
  if (status === 206) {
    if (!ranged) throw new DownloadError("protocol", "the peer answered 206 to a request without a Range");
    const cr = parseContentRange(header(res, "content-range"));
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
    const cr = parseContentRange(header(res, "content-range"));
    res.resume();
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
  res.resume();
  throw new HttpStatusError(status, header(res, "retry-after"));
}

function emptyBody(): AsyncIterator<Chunk> {
  return { next: async () => ({ done: true, value: undefined }) };
}

function bodyOf(res: IncomingMessage, start: number): AsyncIterator<Chunk> {
  const it = res[Symbol.asyncIterator]() as AsyncIterator<Buffer>;
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
      res.destroy();
      return { done: true, value: undefined };
    },
  };
}
