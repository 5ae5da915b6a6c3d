/**
 * How large a PeerService message may be on the wire (docs/protocol.md "Message size
 * limits"): a reader refuses a larger envelope from its 5-byte prefix, before it
 * allocates or keeps anything for it, so a peer cannot make a client reserve 4 GiB
 * with 8 bytes.
 */
import { formatBytes } from "../format-bytes.js";

/** Largest `data` of one ReadFileResponse: well under the 4 MiB receive limit of other gRPC stacks. */
export const MAX_CHUNK_SIZE = 2 * 1024 * 1024;

/** Smallest `data` a server sends per ReadFileResponse (but the last): a smaller `chunk_size` is raised to it. */
export const MIN_CHUNK_SIZE = 16 * 1024;

/** The chunk size a server uses when a ReadFileRequest's `chunk_size` is 0; measured faster than 256 KiB (docs/connect-notes.md). */
export const DEFAULT_CHUNK_SIZE = 1024 * 1024;

/**
 * Largest encoded `Item`: an id is at most 4096 characters (the server refuses longer ones,
 * PATH_MAX on Linux), so at most 12 KiB of UTF-8; a name is a basename (255 bytes on
 * Linux); the rest is fixed-size hashes, an etag and a media type. 16 KiB leaves room.
 */
export const MAX_ITEM_BYTES = 16 * 1024;

/** Room for a message's own fields besides its payload (tags, lengths, offsets, page tokens). */
const OVERHEAD_BYTES = 64 * 1024;

/** Largest ReadFileResponse: one chunk of data, the first message's item, and the field headers. */
export const MAX_READ_FILE_MESSAGE_BYTES = MAX_CHUNK_SIZE + MAX_ITEM_BYTES + OVERHEAD_BYTES;

/**
 * The chunk size a server grants for a ReadFileRequest's `chunk_size` (docs/protocol.md "ReadFile"):
 * clamped to [{@link MIN_CHUNK_SIZE}, {@link MAX_CHUNK_SIZE}], 0 (or less, or not a number) →
 * {@link DEFAULT_CHUNK_SIZE}. No message's `data` is larger.
 */
export function grantedChunkSize(hint: number): number {
  if (!Number.isFinite(hint) || hint <= 0) return DEFAULT_CHUNK_SIZE;
  return Math.min(MAX_CHUNK_SIZE, Math.max(MIN_CHUNK_SIZE, Math.floor(hint)));
}

/**
 * Largest ReadFileResponse a compliant server sends for a request with this `chunk_size`: one
 * granted chunk ({@link grantedChunkSize}), the first message's item and the field headers. The
 * fast reader refuses a larger one (its read areas are sized from it); at most
 * {@link MAX_READ_FILE_MESSAGE_BYTES}, for a `chunk_size` of 2 MiB or more.
 */
export function maxReadFileMessageBytes(chunkSize: number): number {
  return grantedChunkSize(chunkSize) + MAX_ITEM_BYTES + OVERHEAD_BYTES;
}

/** Items per ListItems page at most (the server caps `page_size` there). */
export const MAX_LIST_PAGE_ITEMS = 1000;

/** Largest ListItems answer: {@link MAX_LIST_PAGE_ITEMS} items of {@link MAX_ITEM_BYTES} and a page token (≈ 15.7 MiB). */
export const MAX_LIST_ITEMS_MESSAGE_BYTES = MAX_LIST_PAGE_ITEMS * MAX_ITEM_BYTES + OVERHEAD_BYTES;

/** Piece-layer bytes in one GetPieceHashes answer at most (2,048 hashes of 32 bytes; the server caps `count`). */
export const MAX_PIECE_HASHES_PAGE_BYTES = 64 * 1024;

/**
 * Largest answer of the other unary calls (Handshake, StatItem: one item; GetPieceHashes: one
 * page of {@link MAX_PIECE_HASHES_PAGE_BYTES}): 144 KiB.
 */
export const MAX_SMALL_UNARY_MESSAGE_BYTES = MAX_PIECE_HASHES_PAGE_BYTES + MAX_ITEM_BYTES + OVERHEAD_BYTES;

/** A peer declared a message larger than the protocol allows; nothing was allocated for it. */
export class MessageTooLargeError extends Error {
  override readonly name = "MessageTooLargeError";
  /**
   * @param length the length the envelope declared (undefined when the reader did not say)
   * @param limit the largest length allowed there
   */
  constructor(
    readonly length: number | undefined,
    readonly limit: number,
  ) {
    const sent = length === undefined ? "a larger message" : `a ${formatBytes(length)} message (${length} bytes)`;
    super(
      `the peer sent ${sent}; at most ${limit} bytes (${formatBytes(limit)}) are allowed: ` +
        "the peer is broken or hostile, ask its owner to check it",
    );
  }
}
