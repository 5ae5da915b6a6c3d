/**
 * Message shapes for the fast read path tests: ReadFileResponse payloads as
 * protobuf-es encodes them, plus shapes a different encoder may produce
 * (fields out of order, repeated fields, unknown fields), and helpers to frame
 * them as Connect and gRPC bodies.
 */
import { create, toBinary } from "@bufbuild/protobuf";
import { timestampFromMs } from "@bufbuild/protobuf/wkt";
import { ItemSchema, ReadFileResponseSchema } from "../../../../gen/peer/v1/peer_pb.js";
import { seededRandom } from "../../../../client/retry/backoff.js";

const item = create(ItemSchema, {
  id: "share/dir/film.mkv",
  share: "share",
  name: "film.mkv",
  size: 3_000_000n,
  etag: '"a1b2-c3"',
  sha256: "ab".repeat(32),
  contentType: "video/x-matroska",
  modified: timestampFromMs(1_700_000_000_123),
});

function bytes(n: number, seed: number): Uint8Array {
  const r = seededRandom(seed);
  return Uint8Array.from({ length: n }, () => Math.floor(r() * 256));
}

function encode(fields: { offset?: bigint; data?: Uint8Array; withItem?: boolean }): Uint8Array {
  return toBinary(
    ReadFileResponseSchema,
    create(ReadFileResponseSchema, {
      offset: fields.offset ?? 0n,
      data: fields.data ?? new Uint8Array(0),
      item: fields.withItem ? item : undefined,
    }),
  );
}

function concat(...parts: Uint8Array[]): Uint8Array {
  // Buffer.concat copies with memcpy: spreading into an array of numbers took decode.test.ts from
  // about 2 to about 130 s (the cut tests join the 1 MiB payload hundreds of times). Copied again
  // into a plain Uint8Array, which deepEqual compares with protobuf-es's bytes (a Buffer differs).
  return new Uint8Array(Buffer.concat(parts));
}

/** Named ReadFileResponse payloads, hostile-but-valid shapes first. */
export const PAYLOADS: ReadonlyArray<{ name: string; payload: Uint8Array }> = [
  { name: "empty message (all defaults)", payload: new Uint8Array(0) },
  { name: "first message: item, no data, offset 0", payload: encode({ withItem: true }) },
  { name: "first message: item and data at offset 0", payload: encode({ withItem: true, data: bytes(1000, 1) }) },
  {
    name: "first message: item and data at a resumed offset",
    payload: encode({ withItem: true, offset: 1_048_576n, data: bytes(700, 2) }),
  },
  { name: "item alone at the end of the file (empty data)", payload: encode({ withItem: true, offset: 3_000_000n }) },
  { name: "data without item", payload: encode({ offset: 5n, data: bytes(300, 3) }) },
  { name: "offset beyond 2^32", payload: encode({ offset: 2n ** 40n + 7n, data: bytes(10, 4) }) },
  {
    name: "fields out of order: data, item, offset",
    payload: concat(encode({ data: bytes(50, 5) }), encode({ withItem: true }), encode({ offset: 99n })),
  },
  {
    name: "data twice: the last wins",
    payload: concat(encode({ data: bytes(40, 6) }), encode({ data: bytes(20, 7) })),
  },
  {
    name: "offset twice: the last wins",
    payload: concat(encode({ offset: 1n }), encode({ offset: 2n, data: bytes(8, 8) })),
  },
  {
    name: "item twice: fields merge",
    payload: concat(
      encode({ withItem: true }),
      toBinary(ReadFileResponseSchema, create(ReadFileResponseSchema, { item: create(ItemSchema, { etag: '"new"' }) })),
    ),
  },
  // Unknown fields: varint (field 9), fixed64 (10), length-delimited (11), fixed32 (12), an empty group (13).
  {
    name: "unknown fields of every wire type are skipped",
    payload: concat(
      Uint8Array.from([0x48, 0x96, 0x01, 0x51, 1, 2, 3, 4, 5, 6, 7, 8, 0x5a, 3, 9, 9, 9, 0x65, 1, 2, 3, 4, 0x6b, 0x6c]),
      encode({ offset: 3n, data: bytes(30, 9) }),
    ),
  },
  { name: "a large chunk (1 MiB)", payload: encode({ offset: 2_097_152n, data: bytes(1_048_576, 10) }) },
];

/** Malformed payloads: each must be refused with a ConnectError, as the stock client refuses them. */
export const MALFORMED: ReadonlyArray<{ name: string; payload: Uint8Array }> = [
  { name: "truncated varint", payload: Uint8Array.from([0x08, 0x80]) },
  { name: "data longer than the payload", payload: Uint8Array.from([0x12, 0x10, 1, 2]) },
  { name: "field number 0", payload: Uint8Array.from([0x00, 0x01]) },
  { name: "item that is not an Item", payload: Uint8Array.from([0x1a, 0x02, 0x0a, 0x05]) },
];

/** One envelope. */
export function envelope(flags: number, payload: Uint8Array): Uint8Array {
  const out = new Uint8Array(5 + payload.length);
  out[0] = flags;
  new DataView(out.buffer).setUint32(1, payload.length);
  out.set(payload, 5);
  return out;
}

/** Joins byte arrays. */
export { concat };

/** Cuts `body` at the given positions. */
export function splitAt(body: Uint8Array, cuts: readonly number[]): Uint8Array[] {
  const points = [...new Set(cuts.filter((c) => c > 0 && c < body.length))].sort((a, b) => a - b);
  const out: Uint8Array[] = [];
  let at = 0;
  for (const p of points) {
    out.push(body.subarray(at, p));
    at = p;
  }
  out.push(body.subarray(at));
  return out;
}

/** `count` random cut positions in a body of `length` bytes (seeded). */
export function randomCuts(length: number, count: number, seed: number): number[] {
  const r = seededRandom(seed);
  return Array.from({ length: count }, () => Math.floor(r() * length));
}
