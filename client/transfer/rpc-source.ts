/**
 * Reads an item over ReadFile (Connect or gRPC): the first message carries the
 * metadata. The client's own transports go through the fast read path
 * (fast-read/: envelopes and fields read from the network buffers, data handed
 * on as views); a custom transport or `readPath: "stock"` through the generated client.
 */
import type { Item } from "../../gen/peer/v1/peer_pb.js";
import type { PeerClient } from "../rpc/peer-client.js";
import { DownloadError } from "../errors.js";
import { fastReadFile, type FastReadWire } from "./fast-read/read-file-call.js";
import type { ReadFileFields } from "../../common/wire/read-file-decode.js";
import { MIN_CHUNK_SIZE } from "../../common/wire/limits.js";
import type { Chunk, OpenRead, OpenedRead, ReadMeta, ReadRequest } from "./read-source.js";

/** Preferred chunk size asked of the peer (docs/connect-notes.md: 256 KiB–1 MiB is the sweet spot). */
export const RPC_CHUNK_SIZE = 1024 * 1024;

/** Smallest chunk size the server accepts (docs/protocol.md: clamped to [16 KiB, 2 MiB]). */
export const RPC_MIN_CHUNK_SIZE = MIN_CHUNK_SIZE;

/**
 * The chunk size to ask for after `failures` attempts in a row without progress:
 * a message is only delivered whole, so a link that drops every few hundred KiB
 * never completes a 1 MiB message; halving per failure lets it make progress.
 */
export function chunkSizeAfterFailures(failures: number): number {
  return Math.max(RPC_MIN_CHUNK_SIZE, RPC_CHUNK_SIZE >> Math.min(10, Math.max(0, failures)));
}

/** An OpenRead over ReadFile: the fast path when the client offers it, else `client.readFile`. */
export function rpcSource(client: PeerClient): OpenRead {
  const wire = client.fastRead;
  return wire === undefined ? stockSource(client) : fastSource(wire);
}

function metaOf(item: Item): ReadMeta {
  return {
    size: Number(item.size),
    etag: item.etag,
    sha256: item.sha256 === "" ? undefined : item.sha256.toLowerCase(),
    piecesRoot: item.piecesRoot === "" ? undefined : item.piecesRoot,
    pieceLength: item.pieceLength > 0n ? Number(item.pieceLength) : undefined,
  };
}

function noFirstMessage(): DownloadError {
  return new DownloadError("protocol", "the peer ended ReadFile without a first message");
}

/**
 * The first message must describe the item asked for: its id, and a name equal to the id's last
 * segment. Anything else is a peer answering for another file ("wrong-item", never retried).
 */
export function checkAnsweredItem(item: Item, askedId: string): void {
  const name = askedId.slice(askedId.lastIndexOf("/") + 1);
  if (item.id === askedId && item.name === name) return;
  throw new DownloadError(
    "wrong-item",
    `the peer's ReadFile answered for ${JSON.stringify(item.id)} named ${JSON.stringify(item.name)} when asked ` +
      `for ${JSON.stringify(askedId)}; refusing its bytes`,
  );
}

function noItem(): DownloadError {
  return new DownloadError("protocol", "the peer's first ReadFile message carried no item metadata");
}

/**
 * The chunks of one message: one per view its data arrived in, at consecutive
 * offsets (one chunk with empty data for an empty message, as the stock path gives).
 */
export function chunksOf(fields: ReadFileFields): Chunk[] {
  if (fields.data.length <= 1) return [{ offset: fields.offset, data: fields.data[0] ?? new Uint8Array(0) }];
  const out: Chunk[] = [];
  let offset = fields.offset;
  for (const data of fields.data) {
    out.push({ offset, data });
    offset += data.length;
  }
  return out;
}

function fastSource(wire: FastReadWire): OpenRead {
  return async (req: ReadRequest): Promise<OpenedRead> => {
    const messages = await fastReadFile(wire, {
      itemId: req.itemId,
      offset: req.offset,
      length: req.length,
      ifMatch: req.ifMatch,
      chunkSize: req.chunkSize ?? RPC_CHUNK_SIZE,
      transient: req.transient,
      signal: req.signal,
    });
    const first = await messages.next();
    if (first.done === true) throw noFirstMessage();
    if (first.value.item === undefined) {
      await messages.return?.();
      throw noItem();
    }
    try {
      checkAnsweredItem(first.value.item, req.itemId);
    } catch (e) {
      await messages.return?.();
      throw e;
    }
    let pending = chunksOf(first.value);
    let at = 0;
    const body: AsyncIterator<Chunk> = {
      async next() {
        while (at >= pending.length) {
          const r = await messages.next();
          if (r.done === true) return { done: true, value: undefined };
          pending = chunksOf(r.value);
          at = 0;
        }
        return { done: false, value: pending[at++] as Chunk };
      },
      async return() {
        await messages.return?.();
        return { done: true, value: undefined };
      },
    };
    return { meta: metaOf(first.value.item), start: first.value.offset, body };
  };
}

function stockSource(client: PeerClient): OpenRead {
  return async (req) => {
    const stream = client
      .readFile(
        {
          itemId: req.itemId,
          offset: req.offset,
          length: req.length ?? 0,
          ifMatch: req.ifMatch,
          chunkSize: req.chunkSize ?? RPC_CHUNK_SIZE,
        },
        { signal: req.signal },
      )
      [Symbol.asyncIterator]();
    const first = await stream.next();
    if (first.done === true) throw noFirstMessage();
    const item = first.value.item;
    if (item === undefined) {
      await stream.return?.();
      throw noItem();
    }
    try {
      checkAnsweredItem(item, req.itemId);
    } catch (e) {
      await stream.return?.();
      throw e;
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
    return { meta: metaOf(item), start, body };
  };
}
