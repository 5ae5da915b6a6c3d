/**
 * The Huffman code of HPACK (RFC 7541 §5.2, Appendix B) and its decoder, for the raw HTTP/2
 * reader's header decoding (hpack-decoder.ts). Pure. The table is Appendix B's: 257 pairs of
 * (code, bit length), symbols 0–255 then EOS (256).
 */

/** Appendix B: for each symbol 0–256, its code (right-aligned) and its length in bits. */
const CODES: readonly number[] = [
  0x1ff8, 13, 0x7fffd8, 23, 0xfffffe2, 28, 0xfffffe3, 28, 0xfffffe4, 28, 0xfffffe5, 28, 0xfffffe6, 28, 0xfffffe7, 28,
  0xfffffe8, 28, 0xffffea, 24, 0x3ffffffc, 30, 0xfffffe9, 28, 0xfffffea, 28, 0x3ffffffd, 30, 0xfffffeb, 28, 0xfffffec,
  28, 0xfffffed, 28, 0xfffffee, 28, 0xfffffef, 28, 0xffffff0, 28, 0xffffff1, 28, 0xffffff2, 28, 0x3ffffffe, 30,
  0xffffff3, 28, 0xffffff4, 28, 0xffffff5, 28, 0xffffff6, 28, 0xffffff7, 28, 0xffffff8, 28, 0xffffff9, 28, 0xffffffa,
  28, 0xffffffb, 28, 0x14, 6, 0x3f8, 10, 0x3f9, 10, 0xffa, 12, 0x1ff9, 13, 0x15, 6, 0xf8, 8, 0x7fa, 11, 0x3fa, 10,
  0x3fb, 10, 0xf9, 8, 0x7fb, 11, 0xfa, 8, 0x16, 6, 0x17, 6, 0x18, 6, 0x0, 5, 0x1, 5, 0x2, 5, 0x19, 6, 0x1a, 6, 0x1b, 6,
  0x1c, 6, 0x1d, 6, 0x1e, 6, 0x1f, 6, 0x5c, 7, 0xfb, 8, 0x7ffc, 15, 0x20, 6, 0xffb, 12, 0x3fc, 10, 0x1ffa, 13, 0x21, 6,
  0x5d, 7, 0x5e, 7, 0x5f, 7, 0x60, 7, 0x61, 7, 0x62, 7, 0x63, 7, 0x64, 7, 0x65, 7, 0x66, 7, 0x67, 7, 0x68, 7, 0x69, 7,
  0x6a, 7, 0x6b, 7, 0x6c, 7, 0x6d, 7, 0x6e, 7, 0x6f, 7, 0x70, 7, 0x71, 7, 0x72, 7, 0xfc, 8, 0x73, 7, 0xfd, 8, 0x1ffb,
  13, 0x7fff0, 19, 0x1ffc, 13, 0x3ffc, 14, 0x22, 6, 0x7ffd, 15, 0x3, 5, 0x23, 6, 0x4, 5, 0x24, 6, 0x5, 5, 0x25, 6, 0x26,
  6, 0x27, 6, 0x6, 5, 0x74, 7, 0x75, 7, 0x28, 6, 0x29, 6, 0x2a, 6, 0x7, 5, 0x2b, 6, 0x76, 7, 0x2c, 6, 0x8, 5, 0x9, 5,
  0x2d, 6, 0x77, 7, 0x78, 7, 0x79, 7, 0x7a, 7, 0x7b, 7, 0x7ffe, 15, 0x7fc, 11, 0x3ffd, 14, 0x1ffd, 13, 0xffffffc, 28,
  0xfffe6, 20, 0x3fffd2, 22, 0xfffe7, 20, 0xfffe8, 20, 0x3fffd3, 22, 0x3fffd4, 22, 0x3fffd5, 22, 0x7fffd9, 23, 0x3fffd6,
  22, 0x7fffda, 23, 0x7fffdb, 23, 0x7fffdc, 23, 0x7fffdd, 23, 0x7fffde, 23, 0xffffeb, 24, 0x7fffdf, 23, 0xffffec, 24,
  0xffffed, 24, 0x3fffd7, 22, 0x7fffe0, 23, 0xffffee, 24, 0x7fffe1, 23, 0x7fffe2, 23, 0x7fffe3, 23, 0x7fffe4, 23,
  0x1fffdc, 21, 0x3fffd8, 22, 0x7fffe5, 23, 0x3fffd9, 22, 0x7fffe6, 23, 0x7fffe7, 23, 0xffffef, 24, 0x3fffda, 22,
  0x1fffdd, 21, 0xfffe9, 20, 0x3fffdb, 22, 0x3fffdc, 22, 0x7fffe8, 23, 0x7fffe9, 23, 0x1fffde, 21, 0x7fffea, 23,
  0x3fffdd, 22, 0x3fffde, 22, 0xfffff0, 24, 0x1fffdf, 21, 0x3fffdf, 22, 0x7fffeb, 23, 0x7fffec, 23, 0x1fffe0, 21,
  0x1fffe1, 21, 0x3fffe0, 22, 0x1fffe2, 21, 0x7fffed, 23, 0x3fffe1, 22, 0x7fffee, 23, 0x7fffef, 23, 0xfffea, 20,
  0x3fffe2, 22, 0x3fffe3, 22, 0x3fffe4, 22, 0x7ffff0, 23, 0x3fffe5, 22, 0x3fffe6, 22, 0x7ffff1, 23, 0x3ffffe0, 26,
  0x3ffffe1, 26, 0xfffeb, 20, 0x7fff1, 19, 0x3fffe7, 22, 0x7ffff2, 23, 0x3fffe8, 22, 0x1ffffec, 25, 0x3ffffe2, 26,
  0x3ffffe3, 26, 0x3ffffe4, 26, 0x7ffffde, 27, 0x7ffffdf, 27, 0x3ffffe5, 26, 0xfffff1, 24, 0x1ffffed, 25, 0x7fff2, 19,
  0x1fffe3, 21, 0x3ffffe6, 26, 0x7ffffe0, 27, 0x7ffffe1, 27, 0x3ffffe7, 26, 0x7ffffe2, 27, 0xfffff2, 24, 0x1fffe4, 21,
  0x1fffe5, 21, 0x3ffffe8, 26, 0x3ffffe9, 26, 0xffffffd, 28, 0x7ffffe3, 27, 0x7ffffe4, 27, 0x7ffffe5, 27, 0xfffec, 20,
  0xfffff3, 24, 0xfffed, 20, 0x1fffe6, 21, 0x3fffe9, 22, 0x1fffe7, 21, 0x1fffe8, 21, 0x7ffff3, 23, 0x3fffea, 22,
  0x3fffeb, 22, 0x1ffffee, 25, 0x1ffffef, 25, 0xfffff4, 24, 0xfffff5, 24, 0x3ffffea, 26, 0x7ffff4, 23, 0x3ffffeb, 26,
  0x7ffffe6, 27, 0x3ffffec, 26, 0x3ffffed, 26, 0x7ffffe7, 27, 0x7ffffe8, 27, 0x7ffffe9, 27, 0x7ffffea, 27, 0x7ffffeb,
  27, 0xffffffe, 28, 0x7ffffec, 27, 0x7ffffed, 27, 0x7ffffee, 27, 0x7ffffef, 27, 0x7fffff0, 27, 0x3ffffee, 26,
  0x3fffffff, 30,
];

/** The EOS symbol (RFC 7541 §5.2): never valid inside a string. */
export const EOS = 256;

/** The code of `symbol` (0–256) as [code, bits] (Appendix B). */
export function huffmanCode(symbol: number): readonly [number, number] {
  return [CODES[2 * symbol] as number, CODES[2 * symbol + 1] as number];
}

/** A binary trie: node n's children are at `child[2n]` (bit 0) and `child[2n + 1]` (bit 1); a leaf holds `-1 - symbol`. */
const child = buildTrie();

function buildTrie(): Int32Array {
  const out = new Int32Array(2 * 2 * 257).fill(0); // 256 inner nodes for 257 leaves, 2 slots each
  let nodes = 1;
  for (let symbol = 0; symbol <= EOS; symbol++) {
    const [code, bits] = huffmanCode(symbol);
    let node = 0;
    for (let i = bits - 1; i >= 0; i--) {
      const slot = 2 * node + ((code >>> i) & 1);
      if (i === 0) out[slot] = -1 - symbol;
      else {
        if (out[slot] === 0) out[slot] = nodes++;
        node = out[slot] as number;
      }
    }
  }
  return out;
}

/** A Huffman-coded string the decoder refuses (RFC 7541 §5.2: a decoding error). */
export class HuffmanError extends Error {
  override readonly name = "HuffmanError";
}

/**
 * Decodes a Huffman-coded string literal into bytes (RFC 7541 §5.2). Throws a HuffmanError for
 * the EOS symbol, padding longer than 7 bits, or padding that is not the EOS code's leading ones.
 */
export function huffmanDecode(bytes: Uint8Array): Uint8Array {
  // The shortest code is 5 bits: at most 8/5 symbols per byte.
  const out = new Uint8Array(Math.ceil((bytes.length * 8) / 5));
  let n = 0;
  let node = 0;
  let bitsSinceSymbol = 0;
  let onesSinceSymbol = true;
  for (let i = 0; i < bytes.length; i++) {
    const byte = bytes[i] as number;
    for (let shift = 7; shift >= 0; shift--) {
      const bit = (byte >>> shift) & 1;
      const next = child[2 * node + bit] as number;
      bitsSinceSymbol++;
      if (bit === 0) onesSinceSymbol = false;
      if (next < 0) {
        const symbol = -1 - next;
        if (symbol === EOS) throw new HuffmanError("the EOS symbol inside a Huffman-coded string");
        out[n++] = symbol;
        node = 0;
        bitsSinceSymbol = 0;
        onesSinceSymbol = true;
      } else node = next;
    }
  }
  if (bitsSinceSymbol > 7) throw new HuffmanError("Huffman padding longer than 7 bits");
  if (!onesSinceSymbol) throw new HuffmanError("Huffman padding that is not the EOS code's prefix");
  return out.subarray(0, n);
}

/** Huffman-codes `bytes` (RFC 7541 §5.2; the reader never sends it: tests build server answers with it). */
export function huffmanEncode(bytes: Uint8Array): Uint8Array {
  const out: number[] = [];
  let acc = 0;
  let accBits = 0;
  for (const b of bytes) {
    const [code, bits] = huffmanCode(b);
    for (let i = bits - 1; i >= 0; i--) {
      acc = (acc << 1) | ((code >>> i) & 1);
      if (++accBits === 8) {
        out.push(acc);
        acc = 0;
        accBits = 0;
      }
    }
  }
  if (accBits > 0) out.push(((acc << (8 - accBits)) | ((1 << (8 - accBits)) - 1)) & 0xff);
  return Uint8Array.from(out);
}
