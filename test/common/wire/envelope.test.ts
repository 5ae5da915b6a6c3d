/**
 * The wire module both ways: a ReadFile stream as the server's fast path encodes it
 * (common/wire/read-file-encode.ts) is byte-identical to protobuf-es's `toBinary`, and
 * the client's splitter and decoder (envelope.ts, read-file-decode.ts) give back what
 * `fromBinary` gives, whatever position of the stream a network buffer boundary cuts;
 * a declared length over the limit is refused from the prefix alone.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { create, equals, fromBinary, toBinary } from "@bufbuild/protobuf";
import { ItemSchema, ReadFileResponseSchema, type ReadFileResponse } from "../../../gen/peer/v1/peer_pb.js";
import {
  createEnvelopeSplitter,
  encodeEnvelope,
  END_STREAM_FLAG,
  type Envelope,
} from "../../../common/wire/envelope.js";
import { MAX_READ_FILE_MESSAGE_BYTES, MessageTooLargeError } from "../../../common/wire/limits.js";
import { readFileFields } from "../../../common/wire/read-file-decode.js";
import { itemField, MAX_CHUNK_HEADER, writeChunkHeader } from "../../../common/wire/read-file-encode.js";

const item = create(ItemSchema, { id: "share/ü/a.bin", name: "a.bin", size: 700n, etag: '"e-1"', share: "share" });

/** One message as the server's fast path writes it. */
function fastMessage(offset: number, data: Uint8Array, withItem: boolean): Uint8Array {
  const tail = withItem ? itemField(toBinary(ItemSchema, item)) : new Uint8Array(0);
  const buf = new Uint8Array(MAX_CHUNK_HEADER + data.length + tail.length);
  const hdr = writeChunkHeader(buf, offset, data.length, tail.length);
  buf.set(data, hdr);
  buf.set(tail, hdr + data.length);
  return buf.subarray(0, hdr + data.length + tail.length);
}

function concat(parts: readonly Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/** A stream: first message with item and data, two more chunks, one empty, then a Connect end-stream. */
const data = Uint8Array.from({ length: 700 }, (_, i) => (i * 7) & 0xff);
const MESSAGES: ReadonlyArray<{ offset: number; bytes: Uint8Array; withItem: boolean }> = [
  { offset: 0, bytes: data.subarray(0, 300), withItem: true },
  { offset: 300, bytes: data.subarray(300, 650), withItem: false },
  { offset: 650, bytes: data.subarray(650), withItem: false },
  { offset: 700, bytes: new Uint8Array(0), withItem: false },
];
const END = encodeEnvelope(END_STREAM_FLAG, new TextEncoder().encode("{}"));
const STREAM = concat([...MESSAGES.map((m) => fastMessage(m.offset, m.bytes, m.withItem)), END]);

function stock(m: (typeof MESSAGES)[number]): ReadFileResponse {
  return create(ReadFileResponseSchema, {
    offset: BigInt(m.offset),
    data: m.bytes,
    item: m.withItem ? item : undefined,
  });
}

function assertDecoded(envelopes: Envelope[], label: string): void {
  assert.equal(envelopes.length, MESSAGES.length + 1, `${label}: message count`);
  MESSAGES.forEach((m, i) => {
    const env = envelopes[i] as Envelope;
    assert.equal(env.flags, 0, `${label}: flags of ${i}`);
    const payload = concat(env.parts);
    const want = stock(m);
    assert.deepEqual(payload, toBinary(ReadFileResponseSchema, want), `${label}: bytes of ${i} = toBinary`);
    assert.ok(equals(ReadFileResponseSchema, fromBinary(ReadFileResponseSchema, payload), want), `${label}: ${i}`);
    const fields = readFileFields(env.parts);
    assert.equal(fields.offset, m.offset, `${label}: offset of ${i}`);
    assert.deepEqual(concat(fields.data), m.bytes, `${label}: data of ${i}`);
    assert.equal(fields.item !== undefined, m.withItem, `${label}: item of ${i}`);
    if (fields.item !== undefined) assert.ok(equals(ItemSchema, fields.item, item), `${label}: item of ${i}`);
  });
  assert.equal((envelopes[MESSAGES.length] as Envelope).flags, END_STREAM_FLAG, `${label}: end-stream last`);
}

describe("a ReadFile stream, fast-encoded then split and decoded", () => {
  it("is what protobuf-es decodes, from one buffer", () => {
    assertDecoded(createEnvelopeSplitter().push(STREAM), "whole");
  });
  it("is the same at every cut position (two buffers), plain and transient", () => {
    for (const transient of [false, true]) {
      for (let cut = 0; cut <= STREAM.length; cut++) {
        const splitter = createEnvelopeSplitter(undefined, transient);
        // Transient buffers are reused by their reader: push copies, then scribble over them.
        const a = STREAM.slice(0, cut);
        const b = STREAM.slice(cut);
        // A consumer copies what it takes before its reader reuses the buffer.
        const got = splitter.push(a).map((e) => (transient ? { ...e, parts: e.parts.map((p) => p.slice()) } : e));
        if (transient) a.fill(0xee);
        got.push(...splitter.push(b));
        assert.equal(splitter.pending, 0);
        splitter.end();
        assertDecoded(got, `${transient ? "transient " : ""}cut at ${cut}`);
      }
    }
  });
  it("is the same byte by byte", () => {
    const splitter = createEnvelopeSplitter();
    const got: Envelope[] = [];
    for (let i = 0; i < STREAM.length; i++) got.push(...splitter.push(STREAM.subarray(i, i + 1)));
    assertDecoded(got, "byte by byte");
  });
});

describe("the size bound", () => {
  it("accepts a message of exactly the limit", () => {
    const [env] = createEnvelopeSplitter(10).push(encodeEnvelope(0, new Uint8Array(10)));
    assert.equal(env?.length, 10);
  });
  const overByOne = new Uint8Array(5);
  new DataView(overByOne.buffer).setUint32(1, MAX_READ_FILE_MESSAGE_BYTES + 1);
  const hostile: Array<[string, Uint8Array]> = [
    ["4 GiB declared, 3 bytes sent (8 bytes in all)", Uint8Array.of(0, 0xff, 0xff, 0xff, 0xf0, 1, 2, 3)],
    ["the prefix alone", Uint8Array.of(0, 0xff, 0xff, 0xff, 0xff)],
    ["one byte over the ReadFile limit", overByOne],
  ];
  for (const [name, bytes] of hostile) {
    for (const transient of [false, true]) {
      it(`${name}${transient ? " (transient)" : ""}: refused at the prefix, whatever the cut`, () => {
        for (let cut = 0; cut <= 5; cut++) {
          const splitter = createEnvelopeSplitter(undefined, transient);
          assert.throws(
            () => {
              splitter.push(bytes.subarray(0, cut));
              splitter.push(bytes.subarray(cut));
            },
            (e: unknown) =>
              e instanceof MessageTooLargeError &&
              e.limit === MAX_READ_FILE_MESSAGE_BYTES &&
              /^the peer sent a .* message \(\d+ bytes\); at most \d+ bytes/.test(e.message),
          );
        }
      });
    }
  }
  it("names the size in the error", () => {
    assert.match(new MessageTooLargeError(0xfffffff0, 2_179_072).message, /a 4\.0 GiB message \(4294967280 bytes\)/);
  });
});
