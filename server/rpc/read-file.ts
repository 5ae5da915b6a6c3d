/**
 * ReadFile: streams one item's bytes from an offset (protocol.md's table).
 * Decisions come from read-request.ts; this handler only does the I/O:
 * stat → precondition → limiter → open → pull chunks with backpressure →
 * close on every path.
 */
import { create } from "@bufbuild/protobuf";
import { Code, type HandlerContext } from "@connectrpc/connect";
import { ReadFileResponseSchema, type ReadFileRequest, type ReadFileResponse } from "../../gen/peer/v1/peer_pb.js";
import type { Catalog } from "../catalog/catalog.js";
import { openEntry, readChunks, type OpenFile } from "../files/file-reader.js";
import type { StreamLimiter } from "../limits/stream-limiter.js";
import { callStatsKey, principalKey } from "../call-context.js";
import { fail, notFound, resourceExhausted, toConnectError } from "../errors.js";
import { checkReadRequest, clampChunkSize } from "./read-request.js";
import { itemMessage } from "./item-message.js";

/** What the ReadFile handler needs. */
export interface ReadFileDeps {
  /** Resolves item ids. */
  readonly catalog: Catalog;
  /** Shared with the HTTP route. */
  readonly limiter: StreamLimiter;
  /** Test seam: called after each chunk read from disk (before it is sent). */
  readonly onChunkRead?: ((itemId: string, offset: number, bytes: number) => void) | undefined;
}

/** Creates the ReadFile implementation (a server-streaming handler). */
export function createReadFile(deps: ReadFileDeps) {
  return async function* readFile(req: ReadFileRequest, ctx: HandlerContext): AsyncGenerator<ReadFileResponse> {
    const stats = ctx.values.get(callStatsKey);
    if (stats) stats.itemId = req.itemId;
    if (req.length < 0n) {
      throw fail(Code.InvalidArgument, `length must be >= 0 (0 reads to the end), got ${req.length}`);
    }
    const entry = await deps.catalog.stat(req.itemId);
    if (entry === undefined) throw notFound(req.itemId);
    if (req.ifMatch !== "" && req.ifMatch !== entry.etag) {
      throw fail(Code.FailedPrecondition, "the item changed (if_match differs from its current etag); restart from offset 0");
    }
    const decision = checkReadRequest(req.offset, req.length, entry.size);
    if (!decision.ok) throw fail(decision.code, decision.message);
    const keyId = ctx.values.get(principalKey)?.keyId ?? "";
    const permit = deps.limiter.acquire(keyId);
    if (!permit.ok) throw resourceExhausted(permit.retryAfterMs, permit.scope);
    let file: OpenFile | undefined;
    // connect-node does not always resume or return() a handler generator that
    // is parked at a `yield` when the client goes away, so the slot and the
    // descriptor are also freed from the signal, not only from `finally`.
    const release = () => {
      permit.release();
      void file?.close();
    };
    ctx.signal.addEventListener("abort", release, { once: true });
    try {
      ctx.signal.throwIfAborted();
      file = await openEntry(entry);
      ctx.signal.throwIfAborted();
      const item = itemMessage(entry);
      if (decision.start === decision.end) {
        yield create(ReadFileResponseSchema, { offset: BigInt(decision.start), item });
        return;
      }
      let offset = decision.start;
      let first = true;
      const chunks = readChunks(file, {
        start: decision.start,
        end: decision.end,
        chunkSize: clampChunkSize(req.chunkSize),
        signal: ctx.signal,
      });
      for await (const data of chunks) {
        deps.onChunkRead?.(entry.id, offset, data.length);
        const message = create(ReadFileResponseSchema, { offset: BigInt(offset), data });
        if (first) {
          message.item = item;
          first = false;
        }
        offset += data.length;
        if (stats) stats.bytes += data.length;
        yield message;
      }
    } catch (error) {
      throw toConnectError(error);
    } finally {
      ctx.signal.removeEventListener("abort", release);
      permit.release();
      await file?.close();
    }
  };
}
