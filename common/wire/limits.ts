/**
 * How large a PeerService message may be on the wire (docs/protocol.md "Message size
 * limits"): a reader refuses a larger envelope from its 5-byte prefix, before it
 * allocates or keeps anything for it, so a peer cannot make a client reserve 4 GiB
 * with 8 bytes.
 */
import { formatBytes } from "../format-bytes.js";

/** Largest `data` of one ReadFileResponse: well under the 4 MiB receive limit of other gRPC stacks. */
export const MAX_CHUNK_SIZE = 2 * 1024 * 1024;

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
