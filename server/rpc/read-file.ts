/**
 * ReadFile: streams one item's bytes from an offset (docs/protocol.md's table).
 * The checks before the first byte are prepare-read.ts's (shared with the
 * fast path); this handler only does the I/O: open → pull chunks with
 * backpressure → close on every path.
 */
import { create } from "@bufbuild/protobuf";
import type { HandlerContext } from "@connectrpc/connect";
import { ReadFileResponseSchema, type ReadFileRequest, type ReadFileResponse } from "../../gen/peer/v1/peer_pb.js";
import type { Catalog } from "../catalog/catalog.js";
import { openEntry, readChunks, type OpenFile } from "../../common/files/file-reader.js";
import type { StreamLimiter } from "../limits/stream-limiter.js";
import { callStatsKey, principalKey } from "../call-context.js";
import { toConnectError } from "../errors.js";
import { itemMessage } from "./item-message.js";
import { prepareRead } from "./prepare-read.js";

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
    const keyId = ctx.values.get(principalKey)?.keyId ?? "";
    const read = await prepareRead(deps, req, keyId, ctx.signal);
    const { entry } = read;
    let file: OpenFile | undefined;
    // connect-node does not always resume or return() a handler generator that
    // is parked at a `yield` when the client goes away, so the slot and the
    // descriptor are also freed from the signal, not only from `finally`.
    const release = () => {
      read.release();
      void file?.close();
    };
    ctx.signal.addEventListener("abort", release, { once: true });
    try {
      ctx.signal.throwIfAborted();
      file = await openEntry(entry);
      ctx.signal.throwIfAborted();
      const item = itemMessage(entry);
      if (read.start === read.end) {
        yield create(ReadFileResponseSchema, { offset: BigInt(read.start), item });
        return;
      }
      let offset = read.start;
      let first = true;
      const chunks = readChunks(file, {
        start: read.start,
        end: read.end,
        chunkSize: read.chunkSize,
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
      read.release();
      await file?.close();
    }
  };
}
