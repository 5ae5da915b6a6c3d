/**
 * Bencode (BEP 3), the encoding of .torrent files: pure, no dependencies.
 * Written here rather than taken from npm: ~100 lines, and the packages
 * available either sort dictionary keys as UTF-16 strings (wrong for binary
 * keys such as `piece layers`' 32-byte roots) or decode every string as UTF-8.
 *
 * Values: integers (number or bigint), byte strings (Uint8Array; a JS string
 * is written as UTF-8), lists (arrays) and dictionaries (Map or plain object;
 * keys sorted by their raw bytes, as BEP 3 requires). Decoding gives back
 * Uint8Array for every string and Map for every dictionary, and refuses
 * anything not in canonical form.
 */

/** A value bencode can carry. */
export type BValue =
  | number
  | bigint
  | string
  | Uint8Array
  | readonly BValue[]
  | ReadonlyMap<string | Uint8Array, BValue>
  | { readonly [key: string]: BValue };

/**
 * A decoded value: integers as bigint only when they do not fit a safe number;
 * dictionary keys as latin1 strings (one char per byte, so binary keys survive).
 */
export type BDecoded = number | bigint | Uint8Array | BDecoded[] | Map<string, BDecoded>;

const utf8 = new TextEncoder();

function bytesOf(text: string | Uint8Array): Uint8Array {
  return typeof text === "string" ? utf8.encode(text) : text;
}

function compareBytes(a: Uint8Array, b: Uint8Array): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) if (a[i] !== b[i]) return (a[i] as number) - (b[i] as number);
  return a.length - b.length;
}

function encodeInto(value: BValue, out: Uint8Array[]): void {
  if (typeof value === "number" || typeof value === "bigint") {
    if (typeof value === "number" && !Number.isSafeInteger(value)) {
      throw new RangeError(`bencode integers must be whole numbers, got ${value}`);
    }
    out.push(utf8.encode(`i${value.toString()}e`));
  } else if (typeof value === "string" || value instanceof Uint8Array) {
    const bytes = bytesOf(value);
    out.push(utf8.encode(`${bytes.length}:`), bytes);
  } else if (Array.isArray(value)) {
    out.push(utf8.encode("l"));
    for (const item of value as readonly BValue[]) encodeInto(item, out);
    out.push(utf8.encode("e"));
  } else {
    const pairs = value instanceof Map ? [...value.entries()] : Object.entries(value);
    const entries: Array<[Uint8Array, BValue]> = pairs.map(([k, v]) => [
      bytesOf(k as string | Uint8Array),
      v as BValue,
    ]);
    entries.sort(([a], [b]) => compareBytes(a, b));
    for (let i = 1; i < entries.length; i++) {
      const [previous] = entries[i - 1] as [Uint8Array, BValue];
      const [key] = entries[i] as [Uint8Array, BValue];
      if (compareBytes(previous, key) === 0) throw new RangeError("bencode dictionary has a duplicate key");
    }
    out.push(utf8.encode("d"));
    for (const [k, v] of entries) {
      out.push(utf8.encode(`${k.length}:`), k);
      encodeInto(v, out);
    }
    out.push(utf8.encode("e"));
  }
}

/** Encodes a value. Throws a RangeError on non-integer numbers and duplicate keys. */
export function encode(value: BValue): Uint8Array {
  const parts: Uint8Array[] = [];
  encodeInto(value, parts);
  return Buffer.concat(parts);
}

/** Most nesting accepted when decoding (hostile inputs would otherwise overflow the stack). */
export const MAX_DEPTH = 64;

/** Decodes exactly one canonical value filling `data`; throws a SyntaxError saying where it is wrong. */
export function decode(data: Uint8Array): BDecoded {
  let pos = 0;
  const fail = (why: string): never => {
    throw new SyntaxError(`bencode: ${why} at byte ${pos}`);
  };
  const digitsUntil = (end: number): string => {
    const at = data.indexOf(end, pos);
    if (at < 0) fail("unterminated number");
    const text = Buffer.from(data.subarray(pos, at)).toString("latin1");
    pos = at + 1;
    return text;
  };
  const readString = (): Uint8Array => {
    const text = digitsUntil(0x3a);
    if (!/^(0|[1-9][0-9]{0,15})$/.test(text)) fail(`bad string length "${text.slice(0, 20)}"`);
    const length = Number(text);
    if (pos + length > data.length) fail("string runs past the end");
    const bytes = data.subarray(pos, pos + length);
    pos += length;
    return bytes;
  };
  const readValue = (depth: number): BDecoded => {
    if (depth > MAX_DEPTH) fail("nested too deeply");
    const c = data[pos];
    if (c === undefined) return fail("unexpected end");
    if (c === 0x69) {
      pos++;
      const text = digitsUntil(0x65);
      if (!/^(0|-?[1-9][0-9]*)$/.test(text)) fail(`bad integer "${text.slice(0, 20)}"`);
      const big = BigInt(text);
      return big >= BigInt(Number.MIN_SAFE_INTEGER) && big <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(big) : big;
    }
    if (c === 0x6c) {
      pos++;
      const list: BDecoded[] = [];
      while (data[pos] !== 0x65) list.push(readValue(depth + 1));
      pos++;
      return list;
    }
    if (c === 0x64) {
      pos++;
      const map = new Map<string, BDecoded>();
      let previous: Uint8Array | undefined;
      while (data[pos] !== 0x65) {
        if (data[pos] === undefined) fail("unterminated dictionary");
        const key = readString();
        if (previous !== undefined && compareBytes(previous, key) >= 0)
          fail("dictionary keys out of order or repeated");
        previous = key;
        map.set(Buffer.from(key).toString("latin1"), readValue(depth + 1));
      }
      pos++;
      return map;
    }
    if (c >= 0x30 && c <= 0x39) return readString();
    return fail(`unexpected byte 0x${c.toString(16)}`);
  };
  const value = readValue(0);
  if (pos !== data.length) fail("trailing bytes");
  return value;
}
