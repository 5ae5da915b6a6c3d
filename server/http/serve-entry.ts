/**
 * Serves one file that a route has already authorised and stat'ed, by the
 * RFC 9110 plan of response-plan.ts: preconditions, ranges, multipart, HEAD.
 * Opens the file only when bytes are due, re-decides once if it changed in
 * between, and streams with backpressure. Every file-serving route (keys,
 * share links, the web page) ends here, so they all resume and validate alike.
 */
import type { FileEntry } from "../catalog/catalog.js";
import { FileChangedError, openEntry, readChunks, type OpenFile } from "../../common/files/file-reader.js";
import { randomBoundary } from "../../common/http/multipart.js";
import { abortResponse, drained } from "./node-response.js";
import { readBuffers } from "../limits/read-buffer-pool.js";
import { nextReadSize, scratchSize } from "./read-size.js";
import { planResponse, type ResponsePlan } from "../../common/http/response-plan.js";
import { sendHead, sendNotFound, sendText, type Call } from "./route-call.js";

/** What the route that authorised the request lets this response do. */
export interface ServeGrant {
  /** Stream-limiter bucket: the key id, or e.g. `link:<id>`. */
  readonly limiterKey: string;
  /**
   * Asked before any file bytes are sent, with the file bytes the response will
   * carry (0 for an empty file); false answers 404. Default: always true.
   */
  readonly admit?: ((entry: FileEntry, plannedFileBytes: number) => Promise<boolean>) | undefined;
  /** Told after the body ended (or was cut short) how many of the planned file bytes were sent. */
  readonly settle?: ((plannedFileBytes: number, sentFileBytes: number) => Promise<void>) | undefined;
}

function plan(call: Call, entry: FileEntry): ResponsePlan {
  return planResponse({
    method: call.method,
    headers: call.req.headers,
    boundary: randomBoundary(),
    file: {
      size: entry.size,
      etag: entry.etag,
      modified: entry.modified.getTime(),
      contentType: entry.contentType,
      name: entry.name,
      sha256: entry.sha256,
      piecesRoot: entry.piecesRoot,
      pieceLength: entry.pieceLength,
    },
  });
}

/** File bytes a planned body carries (multipart framing excluded). */
export function plannedFileBytes(decision: ResponsePlan): number {
  if (decision.body.kind !== "file") return 0;
  return decision.body.parts.reduce((sum, p) => sum + (p.last - p.first + 1), 0);
}

/** Answers a GET or HEAD of `first` (already authorised by the caller). */
export async function serveEntry(call: Call, grant: ServeGrant, first: FileEntry): Promise<void> {
  let entry = first;
  let decision = plan(call, entry);
  // HEAD mirrors GET's status and fields without opening the file; 304/412/416 carry no file bytes.
  if (call.method === "HEAD" || decision.body.kind !== "file") {
    sendHead(call, decision.status, decision.headers, decision.body.kind === "text" ? decision.body.text : undefined);
    return;
  }
  if (call.signal.aborted) return;
  const permit = call.services.limiter?.acquire(grant.limiterKey);
  if (permit !== undefined && !permit.ok) {
    const seconds = String(Math.max(1, Math.ceil(permit.retryAfterMs / 1000)));
    sendText(call, 429, "too many concurrent downloads; retry later\n", {
      "Retry-After": seconds,
      "retry-after-ms": String(permit.retryAfterMs),
    });
    return;
  }
  let file: OpenFile<FileEntry> | undefined;
  let admitted: number | undefined;
  try {
    // Between stat and open the file may change: re-stat and re-decide once, then give up with 503.
    for (let attempt = 0; file === undefined; attempt++) {
      try {
        file = await openEntry(entry);
      } catch (err) {
        if (!(err instanceof FileChangedError)) throw err;
        const again = attempt === 0 ? await call.services.catalog.stat(entry.id) : undefined;
        if (again === undefined) {
          if (attempt === 0) sendNotFound(call);
          else sendText(call, 503, "the file is changing; retry later\n", { "Retry-After": "1" });
          return;
        }
        entry = again;
        decision = plan(call, entry);
        if (decision.body.kind !== "file") {
          sendHead(
            call,
            decision.status,
            decision.headers,
            decision.body.kind === "text" ? decision.body.text : undefined,
          );
          return;
        }
      }
    }
    const planned = plannedFileBytes(decision);
    if (grant.admit !== undefined && !(await grant.admit(entry, planned))) {
      sendNotFound(call);
      return;
    }
    admitted = planned;
    await stream(call, file, decision);
  } finally {
    await file?.close();
    if (permit?.ok) permit.release();
    if (admitted !== undefined) await grant.settle?.(admitted, call.fileBytes);
  }
}

/** Writes head and body; reads the next chunk only after the previous write drained. */
async function stream(call: Call, file: OpenFile<FileEntry>, decision: ResponsePlan): Promise<void> {
  const { res, signal } = call;
  if (decision.body.kind !== "file") throw new Error("stream() needs a file body");
  if (signal.aborted) return;
  const send = async (chunk: string | Buffer): Promise<void> => {
    call.bytes += chunk.length;
    if (!res.write(chunk)) await drained(res, signal);
  };
  // The chunk's memory is reused for the next read: wait until this write has fully left the process.
  // `written` resolves only on the socket's callback (never on abort): then the buffer may go back to the pool.
  let written: Promise<void> | undefined;
  const sendFlushed = (chunk: Buffer): Promise<void> =>
    new Promise((resolve) => {
      call.bytes += chunk.length;
      const done = (): void => {
        signal.removeEventListener("abort", done);
        resolve();
      };
      signal.addEventListener("abort", done, { once: true });
      written = new Promise<void>((wrote) => {
        res.write(chunk, () => {
          // Counted as delivered once the write left the process (a link's budget is charged by it).
          if (!signal.aborted) call.fileBytes += chunk.length;
          wrote();
          done();
        });
      });
    });
  const buffers = call.services.buffers ?? readBuffers;
  let scratch: Buffer | undefined;
  const releaseScratch = (): void => {
    const buf = scratch;
    scratch = undefined;
    if (buf === undefined) return;
    buffers.releaseAfter(buf, written);
    written = undefined;
  };

  call.status = decision.status;
  res.writeHead(decision.status, { ...call.extraHeaders, ...decision.headers });
  try {
    for (const part of decision.body.parts) {
      if (part.head !== "") await send(part.head);
      // Slow start (read-size.ts): every write has flushed before the next read, so call.bytes is what the client took.
      for (let pos = part.first, end = part.last + 1; pos < end; ) {
        const size = Math.min(end - pos, nextReadSize(call.bytes, call.services.chunkSize));
        if (scratch === undefined || scratch.length < size) {
          releaseScratch();
          scratch = buffers.acquire(scratchSize(size, call.services.chunkSize));
        }
        for await (const chunk of readChunks(file, {
          start: pos,
          end: pos + size,
          chunkSize: size,
          signal,
          buffer: scratch,
        })) {
          await sendFlushed(chunk);
          if (signal.aborted) return;
        }
        pos += size;
      }
    }
    if (decision.body.tail !== "") await send(decision.body.tail);
    if (!signal.aborted) res.end();
  } catch (err) {
    if (signal.aborted) return; // client went away: stop reading; the caller closes the file
    if (err instanceof FileChangedError) {
      // Never mix versions: cut the response short so the client sees an error (RFC 9112 §8: incomplete message).
      call.services.logger.warn({ item: file.entry.id }, "file changed during a response; connection aborted");
      abortResponse(res);
      return;
    }
    throw err;
  } finally {
    releaseScratch();
  }
}
