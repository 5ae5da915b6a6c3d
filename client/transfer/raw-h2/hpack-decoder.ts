/**
 * HPACK (RFC 7541) for the raw HTTP/2 reader: a full decoder of the server's header blocks
 * (static table, dynamic table with size updates, Huffman-coded strings) and the encoding of
 * our request's fields as literals without indexing, no Huffman (§6.2.2), which leaves the
 * server's decoding table untouched. Pure. Every size is bounded: the dynamic table by the
 * size we announce (SETTINGS_HEADER_TABLE_SIZE, 4,096 by default), the decoded list by
 * `maxListBytes` (RFC 9113 §6.5.2's accounting: name + value + 32 per field).
 *
 * Why not an npm package: `hpack.js` (the one in wide use, through spdy) was last published in
 * 2018 and pulls in readable-stream and a Node stream API; `hpack` 1.0.0 is a small one-off.
 * Both decode into their own objects per field; this decoder is ~200 lines tested against
 * RFC 7541 Appendix C.
 */
import { huffmanDecode, HuffmanError } from "./hpack-huffman.js";

/** A header block the decoder refuses: COMPRESSION_ERROR (RFC 9113 §4.3), the connection ends. */
export class HpackError extends Error {
  override readonly name = "HpackError";
}

/** The decoded list is larger than we accept (SETTINGS_MAX_HEADER_LIST_SIZE). */
export class HeaderListTooLargeError extends Error {
  override readonly name = "HeaderListTooLargeError";
}

/** RFC 7541 Appendix A. */
const STATIC_TABLE: readonly (readonly [string, string])[] = [
  [":authority", ""],
  [":method", "GET"],
  [":method", "POST"],
  [":path", "/"],
  [":path", "/index.html"],
  [":scheme", "http"],
  [":scheme", "https"],
  [":status", "200"],
  [":status", "204"],
  [":status", "206"],
  [":status", "304"],
  [":status", "400"],
  [":status", "404"],
  [":status", "500"],
  ["accept-charset", ""],
  ["accept-encoding", "gzip, deflate"],
  ["accept-language", ""],
  ["accept-ranges", ""],
  ["accept", ""],
  ["access-control-allow-origin", ""],
  ["age", ""],
  ["allow", ""],
  ["authorization", ""],
  ["cache-control", ""],
  ["content-disposition", ""],
  ["content-encoding", ""],
  ["content-language", ""],
  ["content-length", ""],
  ["content-location", ""],
  ["content-range", ""],
  ["content-type", ""],
  ["cookie", ""],
  ["date", ""],
  ["etag", ""],
  ["expect", ""],
  ["expires", ""],
  ["from", ""],
  ["host", ""],
  ["if-match", ""],
  ["if-modified-since", ""],
  ["if-none-match", ""],
  ["if-range", ""],
  ["if-unmodified-since", ""],
  ["last-modified", ""],
  ["link", ""],
  ["location", ""],
  ["max-forwards", ""],
  ["proxy-authenticate", ""],
  ["proxy-authorization", ""],
  ["range", ""],
  ["referer", ""],
  ["refresh", ""],
  ["retry-after", ""],
  ["server", ""],
  ["set-cookie", ""],
  ["strict-transport-security", ""],
  ["transfer-encoding", ""],
  ["user-agent", ""],
  ["vary", ""],
  ["via", ""],
  ["www-authenticate", ""],
];

/** Bytes an entry takes in the dynamic table (§4.1). */
const ENTRY_OVERHEAD = 32;

/** One header field as decoded (names as sent: RFC 9113 checks are the caller's). */
export type HeaderField = readonly [name: string, value: string];

/** A decoder's state: the dynamic table, kept across the blocks of one connection. */
export class HpackDecoder {
  /** Newest first. */
  private entries: HeaderField[] = [];
  private size = 0;
  private maxSize: number;

  /**
   * @param settingsMaxTableSize the SETTINGS_HEADER_TABLE_SIZE we announced (the most a size update may ask). @default 4096
   * @param maxListBytes largest decoded list (name + value + 32 per field). @default 65536
   */
  constructor(
    private readonly settingsMaxTableSize = 4096,
    private readonly maxListBytes = 65536,
  ) {
    this.maxSize = settingsMaxTableSize;
  }

  /** The dynamic table's size in bytes (§4.1), for tests. */
  get tableSize(): number {
    return this.size;
  }

  /** The dynamic table, newest first, for tests. */
  get table(): readonly HeaderField[] {
    return this.entries;
  }

  /** Decodes one whole header block (§3). Throws HpackError or HeaderListTooLargeError; the decoder is then unusable. */
  decode(block: Uint8Array): HeaderField[] {
    const out: HeaderField[] = [];
    let listBytes = 0;
    let at = 0;
    let fieldSeen = false;
    const integer = (prefixBits: number): number => {
      const mask = (1 << prefixBits) - 1;
      let value = (block[at++] as number) & mask;
      if (value < mask) return value;
      for (let shift = 0; ; shift += 7) {
        if (at >= block.length) throw new HpackError("a header block ends inside an integer");
        const b = block[at++] as number;
        // 2^28 and more is no size or index a decoder can accept (and stays exact in a double).
        if (shift > 21) throw new HpackError("an integer of a header block is too large");
        value += (b & 0x7f) * 2 ** shift;
        if ((b & 0x80) === 0) return value;
      }
    };
    const string = (): string => {
      if (at >= block.length) throw new HpackError("a header block ends before a string");
      const huffman = ((block[at] as number) & 0x80) !== 0;
      const length = integer(7);
      if (length > block.length - at) throw new HpackError("a string runs past its header block");
      const raw = block.subarray(at, at + length);
      at += length;
      let bytes: Uint8Array = raw;
      if (huffman) {
        try {
          bytes = huffmanDecode(raw);
        } catch (e) {
          if (e instanceof HuffmanError) throw new HpackError(e.message);
          throw e;
        }
      }
      return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length).toString("latin1");
    };
    const field = (index: number): HeaderField => {
      if (index === 0) throw new HpackError("index 0 in a header block");
      if (index <= STATIC_TABLE.length) return STATIC_TABLE[index - 1] as HeaderField;
      const entry = this.entries[index - STATIC_TABLE.length - 1];
      if (entry === undefined) throw new HpackError(`index ${index} is past the dynamic table`);
      return entry;
    };
    const emit = (f: HeaderField): void => {
      listBytes += f[0].length + f[1].length + ENTRY_OVERHEAD;
      if (listBytes > this.maxListBytes)
        throw new HeaderListTooLargeError(`a header list larger than ${this.maxListBytes} bytes`);
      out.push(f);
    };
    while (at < block.length) {
      const b = block[at] as number;
      if ((b & 0x80) !== 0) {
        emit(field(integer(7))); // §6.1 indexed
      } else if ((b & 0xc0) === 0x40) {
        const index = integer(6); // §6.2.1 with incremental indexing
        const name = index === 0 ? string() : field(index)[0];
        const f: HeaderField = [name, string()];
        this.add(f);
        emit(f);
      } else if ((b & 0xe0) === 0x20) {
        // §6.3: only before the block's first field (§4.2), at most what we announced.
        if (fieldSeen) throw new HpackError("a dynamic table size update after a header field");
        const size = integer(5);
        if (size > this.settingsMaxTableSize)
          throw new HpackError(`a dynamic table size update to ${size}, above ${this.settingsMaxTableSize}`);
        this.maxSize = size;
        this.evict(0);
        continue;
      } else {
        const index = integer(4); // §6.2.2 without indexing, §6.2.3 never indexed
        const name = index === 0 ? string() : field(index)[0];
        emit([name, string()]);
      }
      fieldSeen = true;
    }
    return out;
  }

  private add(f: HeaderField): void {
    const bytes = f[0].length + f[1].length + ENTRY_OVERHEAD;
    this.evict(bytes);
    // §4.4: an entry larger than the table empties it and is not added.
    if (bytes > this.maxSize) return;
    this.entries.unshift(f);
    this.size += bytes;
  }

  /** Drops the oldest entries until `room` more bytes fit (§4.3, §4.4). */
  private evict(room: number): void {
    while (this.entries.length > 0 && this.size + room > this.maxSize) {
      const old = this.entries.pop() as HeaderField;
      this.size -= old[0].length + old[1].length + ENTRY_OVERHEAD;
    }
  }
}

function encodeInteger(out: number[], first: number, prefixBits: number, value: number): void {
  const max = (1 << prefixBits) - 1;
  if (value < max) {
    out.push(first | value);
    return;
  }
  out.push(first | max);
  let rest = value - max;
  while (rest >= 0x80) {
    out.push((rest % 0x80) | 0x80);
    rest = Math.floor(rest / 0x80);
  }
  out.push(rest);
}

/**
 * Encodes fields as literals without indexing with a literal name, no Huffman (§6.2.2).
 * Names must be lower-case tokens (RFC 9113 §8.2.1) or pseudo-headers; values must not
 * carry NUL, CR or LF (§8.2.1); throws TypeError otherwise.
 */
export function encodeLiteralFields(fields: readonly HeaderField[]): Buffer {
  const out: number[] = [];
  for (const [name, value] of fields) {
    if (!/^:?[!#$%&'*+.^_`|~0-9a-z-]+$/.test(name))
      throw new TypeError(`a request header cannot be named ${JSON.stringify(name)}`);
    if (/[\0\r\n]/.test(value) || /^[ \t]|[ \t]$/.test(value))
      throw new TypeError(`the request header ${name} cannot carry ${JSON.stringify(value)}`);
    out.push(0);
    for (const s of [name, value]) {
      const bytes = Buffer.from(s, "latin1");
      encodeInteger(out, 0, 7, bytes.length);
      for (const byte of bytes) out.push(byte);
    }
  }
  return Buffer.from(out);
}

/** Encodes an integer with an `prefixBits`-bit prefix after the bits `first` (§5.1); for tests building blocks. */
export function hpackInteger(first: number, prefixBits: number, value: number): number[] {
  const out: number[] = [];
  encodeInteger(out, first, prefixBits, value);
  return out;
}
