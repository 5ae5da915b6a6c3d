/**
 * Where a top-level dictionary value lies in a bencoded buffer: the info-hash
 * of a torrent is the hash of the `info` value's exact bytes. Pure; call it on
 * a buffer that decode() of common/bencode.ts accepted (canonical, bounded).
 */

/** End (exclusive) of the value starting at `pos`. */
function skipValue(data: Uint8Array, pos: number): number {
  const c = data[pos];
  if (c === 0x69) return data.indexOf(0x65, pos) + 1;
  if (c === 0x6c || c === 0x64) {
    let p = pos + 1;
    while (data[p] !== 0x65) {
      if (p >= data.length) throw new SyntaxError("bencode: unterminated container");
      p = skipValue(data, p);
    }
    return p + 1;
  }
  const colon = data.indexOf(0x3a, pos);
  const length = Number(Buffer.from(data.subarray(pos, colon)).toString("latin1"));
  return colon + 1 + length;
}

/** The bytes of `key`'s value in the top-level dictionary of `data`, or undefined when absent. */
export function topLevelValueBytes(data: Uint8Array, key: string): Uint8Array | undefined {
  if (data[0] !== 0x64) return undefined;
  const wanted = Buffer.from(key, "latin1");
  let p = 1;
  while (p < data.length && data[p] !== 0x65) {
    const keyEnd = skipValue(data, p);
    const colon = data.indexOf(0x3a, p);
    const k = data.subarray(colon + 1, keyEnd);
    const valueEnd = skipValue(data, keyEnd);
    if (Buffer.compare(Buffer.from(k), wanted) === 0) return data.subarray(keyEnd, valueEnd);
    p = valueEnd;
  }
  return undefined;
}
