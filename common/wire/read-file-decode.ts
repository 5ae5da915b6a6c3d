/**
 * Decodes one `ReadFileResponse` payload (proto/peer/v1/peer.proto) for the client's
 * fast readers (client/transfer/fast-read/), straight from the views an envelope came
 * in, the way protobuf-es's `fromBinary` would decode them (last `offset` and `data`
 * win, `item` fields merge, unknown fields are skipped) but without copying `data`: it
 * stays the list of views it arrived in. Only `item` (a few hundred bytes) is joined
 * when a buffer boundary cuts through it. Pure; see docs/performance.md "What changed" (client ReadFile fast path).
 */
import { mergeFromBinary, create } from "@bufbuild/protobuf";
import { Code, ConnectError } from "@connectrpc/connect";
import { ItemSchema, type Item } from "../../gen/peer/v1/peer_pb.js";

/** The fields of one decoded ReadFileResponse. */
export interface ReadFileFields {
  /** Field 1, as `Number(bigint)` of protobuf-es; 0 when absent. */
  readonly offset: number;
  /** Field 2 as consecutive views (empty list = empty bytes). */
  readonly data: readonly Uint8Array[];
  /** Field 3, when present. */
  readonly item: Item | undefined;
}

function parseError(message: string): ConnectError {
  // The stock client reports payloads it cannot decode as Internal "parse binary: …".
  return new ConnectError(`parse binary: ${message}`, Code.Internal);
}

/** A read position over a list of views. */
class Cursor {
  #part = 0;
  #at = 0;
  constructor(private readonly parts: readonly Uint8Array[]) {}

  done(): boolean {
    this.#skipEmpty();
    return this.#part >= this.parts.length;
  }

  #skipEmpty(): void {
    while (this.#part < this.parts.length && this.#at >= (this.parts[this.#part] as Uint8Array).length) {
      this.#part++;
      this.#at = 0;
    }
  }

  byte(): number {
    this.#skipEmpty();
    const part = this.parts[this.#part];
    if (part === undefined) throw parseError("premature EOF");
    return part[this.#at++] as number;
  }

  /** A varint as a bigint (two's complement for 10-byte negatives is left to the caller). */
  varint(): bigint {
    let result = 0n;
    for (let shift = 0n; shift < 70n; shift += 7n) {
      const b = this.byte();
      result |= BigInt(b & 0x7f) << shift;
      if ((b & 0x80) === 0) return result;
    }
    throw parseError("invalid varint");
  }

  /** A varint that must fit a non-negative safe integer (tags, lengths). */
  smallVarint(): number {
    const v = this.varint();
    if (v > BigInt(Number.MAX_SAFE_INTEGER)) throw parseError("length or tag out of range");
    return Number(v);
  }

  /** The next `n` bytes as views of the parts. */
  views(n: number): Uint8Array[] {
    const out: Uint8Array[] = [];
    let left = n;
    while (left > 0) {
      this.#skipEmpty();
      const part = this.parts[this.#part];
      if (part === undefined) throw parseError("premature EOF");
      const take = Math.min(left, part.length - this.#at);
      out.push(part.subarray(this.#at, this.#at + take));
      this.#at += take;
      left -= take;
    }
    return out;
  }

  skip(n: number): void {
    this.views(n);
  }
}

/** Joins views into one array (only for the small `item` field); a single view is returned as is. */
function joined(views: readonly Uint8Array[]): Uint8Array {
  if (views.length === 1) return views[0] as Uint8Array;
  const total = views.reduce((sum, v) => sum + v.length, 0);
  const out = new Uint8Array(total);
  let at = 0;
  for (const v of views) {
    out.set(v, at);
    at += v.length;
  }
  return out;
}

/** Skips one unknown field of wire type `wireType` (groups included, as protobuf-es does). */
function skipField(cursor: Cursor, fieldNo: number, wireType: number): void {
  switch (wireType) {
    case 0:
      cursor.varint();
      return;
    case 1:
      cursor.skip(8);
      return;
    case 2:
      cursor.skip(cursor.smallVarint());
      return;
    case 5:
      cursor.skip(4);
      return;
    case 3:
      for (;;) {
        const tag = cursor.smallVarint();
        const [no, wt] = [Math.floor(tag / 8), tag & 7];
        if (wt === 4) {
          if (no !== fieldNo) throw parseError("invalid end group tag");
          return;
        }
        skipField(cursor, no, wt);
      }
    default:
      throw parseError(`cant skip wire type ${wireType}`);
  }
}

function expectWireType(fieldNo: number, wireType: number, expected: number): void {
  if (wireType !== expected)
    throw parseError(`field ${fieldNo} of ReadFileResponse has wire type ${wireType}, expected ${expected}`);
}

/** Decodes a ReadFileResponse payload given as views. Throws ConnectError(Internal) on a malformed payload. */
export function readFileFields(payload: readonly Uint8Array[]): ReadFileFields {
  const cursor = new Cursor(payload);
  let offset = 0;
  let data: Uint8Array[] = [];
  let item: Item | undefined;
  while (!cursor.done()) {
    const tag = cursor.smallVarint();
    const fieldNo = Math.floor(tag / 8);
    const wireType = tag & 7;
    if (fieldNo === 0) throw parseError("illegal tag: field no 0");
    if (fieldNo === 1) {
      expectWireType(1, wireType, 0);
      offset = Number(BigInt.asIntN(64, cursor.varint()));
    } else if (fieldNo === 2) {
      expectWireType(2, wireType, 2);
      data = cursor.views(cursor.smallVarint());
    } else if (fieldNo === 3) {
      expectWireType(3, wireType, 2);
      const bytes = joined(cursor.views(cursor.smallVarint()));
      try {
        item = mergeFromBinary(ItemSchema, item ?? create(ItemSchema), bytes);
      } catch (error) {
        throw parseError(error instanceof Error ? error.message : String(error));
      }
    } else {
      skipField(cursor, fieldNo, wireType);
    }
  }
  return { offset, data, item };
}
