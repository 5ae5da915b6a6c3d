import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { create, toBinary } from "@bufbuild/protobuf";
import { ItemSchema, ReadFileResponseSchema } from "../../../gen/peer/v1/peer_pb.js";
import { encodeEnvelope as envelope, parseSingleEnvelope } from "../../../common/wire/envelope.js";
import {
  chunkHeaderLength,
  itemField,
  MAX_CHUNK_HEADER,
  varintLength,
  writeChunkHeader,
  writeVarint,
} from "../../../common/wire/read-file-encode.js";

function stockEnvelope(offset: number, data: Uint8Array): Buffer {
  return envelope(
    0,
    toBinary(ReadFileResponseSchema, create(ReadFileResponseSchema, { offset: BigInt(offset), data })),
  );
}

describe("varints", () => {
  const cases: Array<[number, number[]]> = [
    [0, [0]],
    [1, [1]],
    [127, [0x7f]],
    [128, [0x80, 0x01]],
    [300, [0xac, 0x02]],
    [2 ** 32, [0x80, 0x80, 0x80, 0x80, 0x10]],
    [Number.MAX_SAFE_INTEGER, [0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x0f]],
  ];
  for (const [n, bytes] of cases) {
    it(`${n}`, () => {
      const buf = new Uint8Array(10);
      const end = writeVarint(buf, 0, n);
      assert.deepEqual([...buf.subarray(0, end)], bytes);
      assert.equal(varintLength(n), bytes.length);
    });
  }
});

describe("writeChunkHeader is byte-identical to protobuf-es + envelope", () => {
  const cases: Array<[string, number, number]> = [
    ["offset 0 (field omitted)", 0, 1000],
    ["small offset", 5, 3],
    ["offset needing 5 varint bytes", 2 ** 32 + 7, 1048576],
    ["offset past 4 GiB, 2 MiB chunk", 5 * 2 ** 30, 2 * 1048576],
    ["largest safe offset", Number.MAX_SAFE_INTEGER - 10, 10],
    ["empty data (offset == size)", 1234, 0],
    ["empty data at 0 (empty payload)", 0, 0],
    ["127-byte chunk (1-byte length)", 99, 127],
    ["128-byte chunk (2-byte length)", 99, 128],
  ];
  for (const [name, offset, len] of cases) {
    it(name, () => {
      const data = Buffer.alloc(len, 0xab);
      const buf = Buffer.alloc(MAX_CHUNK_HEADER + len);
      const hdr = writeChunkHeader(buf, offset, len);
      assert.equal(hdr, chunkHeaderLength(offset, len));
      assert.ok(hdr <= MAX_CHUNK_HEADER);
      data.copy(buf, hdr);
      assert.deepEqual(buf.subarray(0, hdr + len), stockEnvelope(offset, data));
    });
  }
  it("refuses negative or unsafe offsets", () => {
    assert.throws(() => writeChunkHeader(new Uint8Array(32), -1, 1), /offset/);
    assert.throws(() => writeChunkHeader(new Uint8Array(32), 2 ** 53, 1), /offset/);
  });
});

describe("parseSingleEnvelope", () => {
  it("returns the payload of one uncompressed message", () => {
    assert.deepEqual([...(parseSingleEnvelope(envelope(0, Uint8Array.of(1, 2, 3))) ?? [])], [1, 2, 3]);
  });
  const bad: Array<[string, Uint8Array]> = [
    ["too short", Uint8Array.of(0, 0, 0)],
    ["compressed flag", envelope(1, Uint8Array.of(1))],
    ["length beyond body", Uint8Array.of(0, 0, 0, 0, 9, 1)],
    ["trailing bytes", Buffer.concat([envelope(0, Uint8Array.of(1)), Uint8Array.of(7)])],
  ];
  for (const [name, body] of bad) it(`refuses ${name}`, () => assert.equal(parseSingleEnvelope(body), undefined));
});

describe("first message: header + data + item tail is byte-identical to protobuf-es", () => {
  const item = create(ItemSchema, {
    id: "bench/a.bin",
    name: "a.bin",
    size: 5n * 2n ** 30n,
    etag: '"x-1"',
    share: "bench",
  });
  const cases: Array<[string, number, number]> = [
    ["from 0", 0, 1048576],
    ["from an odd offset", 12345, 300],
    ["one byte", 7, 1],
  ];
  for (const [name, offset, len] of cases) {
    it(name, () => {
      const data = Buffer.alloc(len, 0x5c);
      const tail = itemField(toBinary(ItemSchema, item));
      const buf = Buffer.alloc(MAX_CHUNK_HEADER + len + tail.length);
      const hdr = writeChunkHeader(buf, offset, len, tail.length);
      data.copy(buf, hdr);
      tail.copy(buf, hdr + len);
      const stock = envelope(
        0,
        toBinary(ReadFileResponseSchema, create(ReadFileResponseSchema, { offset: BigInt(offset), data, item })),
      );
      assert.deepEqual(buf.subarray(0, hdr + len + tail.length), stock);
    });
  }
});
