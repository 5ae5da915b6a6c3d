/** Reads an item over ReadFile (Connect or gRPC): the first message carries the metadata. */
import type { PeerClient } from "../peer-client.js";
import { DownloadError } from "../errors.js";
import type { Chunk, OpenRead } from "./read-source.js";

/** Preferred chunk size asked of the peer (connect-notes.md: 256 KiB–1 MiB is the sweet spot). */
export const RPC_CHUNK_SIZE = 1024 * 1024;

/** Smallest chunk size the server accepts (protocol.md: clamped to [16 KiB, 2 MiB]). */
export const RPC_MIN_CHUNK_SIZE = 16 * 1024;

/**
 * The chunk size to ask for after `failures` attempts in a row without progress:
 * a message is only delivered whole, so a link that drops every few hundred KiB
 * never completes a 1 MiB message; halving per failure lets it make progress.
 */
export function chunkSizeAfterFailures(failures: number): number {
  return Math.max(RPC_MIN_CHUNK_SIZE, RPC_CHUNK_SIZE >> Math.min(10, Math.max(0, failures)));
}

/** An OpenRead over `client.readFile`. */
export function rpcSource(client: PeerClient): OpenRead {
  return async (req) => {
    const stream = client.readFile(
      { itemId: req.itemId, offset: req.offset, length: req.length ?? 0, ifMatch: req.ifMatch, chunkSize: req.chunkSize ?? RPC_CHUNK_SIZE },
      { signal: req.signal },
    )[Symbol.asyncIterator]();
    const first = await stream.next();
    if (first.done === true) {
      throw new DownloadError("protocol", "the peer ended ReadFile without a first message");
    }
    const item = first.value.item;
    if (item === undefined) {
      await stream.return?.();
      throw new DownloadError("protocol", "the peer's first ReadFile message carried no item metadata");
    }
    const start = Number(first.value.offset);
    const firstChunk: Chunk = { offset: start, data: first.value.data };
    let yieldedFirst = false;
    const body: AsyncIterator<Chunk> = {
      async next() {
        if (!yieldedFirst) {
          yieldedFirst = true;
          return { done: false, value: firstChunk };
        }
        const r = await stream.next();
        if (r.done === true) return { done: true, value: undefined };
        return { done: false, value: { offset: Number(r.value.offset), data: r.value.data } };
      },
      async return() {
        await stream.return?.();
        return { done: true, value: undefined };
      },
    };
    return {
      meta: {
        size: Number(item.size),
        etag: item.etag,
        sha256: item.sha256 === "" ? undefined : item.sha256.toLowerCase(),
        piecesRoot: item.piecesRoot === "" ? undefined : item.piecesRoot,
        pieceLength: item.pieceLength > 0n ? Number(item.pieceLength) : undefined,
      },
      start,
      body,
    };
  };
}
