/**
 * The fast read path's decoders against protobuf-es and connect-es on the same
 * bytes: every payload shape, cut at every position of its body (and at random
 * positions for large ones), decodes to what `fromBinary` gives the stock
 * client, with data handed on as views of the pushed buffers; malformed and
 * compressed input is refused with the stock client's error code.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { equals, fromBinary } from "@bufbuild/protobuf";
import { Code, ConnectError } from "@connectrpc/connect";
import { ItemSchema, ReadFileResponseSchema } from "../../../../gen/peer/v1/peer_pb.js";
import { createEnvelopeSplitter } from "../../../../common/wire/envelope.js";
import { MessageTooLargeError } from "../../../../common/wire/limits.js";
import { readFileFields, type ReadFileFields } from "../../../../common/wire/read-file-decode.js";
import { createResponseDecoder } from "../../../../client/transfer/fast-read/response-decoder.js";
import { chunksOf } from "../../../../client/transfer/rpc-source.js";
import { concat, envelope, MALFORMED, PAYLOADS, randomCuts, splitAt } from "./fixtures.js";

function joinedData(fields: ReadFileFields): Uint8Array {
  return concat(...fields.data);
}

function assertSameAsStock(fields: ReadFileFields, payload: Uint8Array, name: string): void {
  const stock = fromBinary(ReadFileResponseSchema, payload);
  assert.equal(fields.offset, Number(stock.offset), `${name}: offset`);
  assert.deepEqual(joinedData(fields), stock.data, `${name}: data`);
  assert.equal(fields.item === undefined, stock.item === undefined, `${name}: item presence`);
  if (fields.item !== undefined && stock.item !== undefined)
    assert.ok(equals(ItemSchema, fields.item, stock.item), `${name}: item`);
}

function cutsFor(length: number, seed: number): number[][] {
  if (length <= 600) return Array.from({ length: length + 1 }, (_, i) => [i]);
  return Array.from({ length: 40 }, (_, i) => randomCuts(length, 1 + (i % 7), seed * 100 + i));
}

test("every payload shape decodes as protobuf-es decodes it, from one buffer", () => {
  for (const { name, payload } of PAYLOADS) assertSameAsStock(readFileFields([payload]), payload, name);
});

test("every payload shape decodes the same wherever buffer boundaries cut it", () => {
  PAYLOADS.forEach(({ name, payload }, n) => {
    for (const cuts of cutsFor(payload.length, n)) {
      assertSameAsStock(readFileFields(splitAt(payload, cuts)), payload, `${name} cut at ${cuts.join(",")}`);
    }
  });
});

test("data is handed on as views of the network buffers, never copied", () => {
  const { payload } = PAYLOADS.find((p) => p.name === "a large chunk (1 MiB)")!;
  const body = envelope(0, payload);
  const buffers = splitAt(body, [100_000, 700_000]);
  const splitter = createEnvelopeSplitter();
  const envelopes = buffers.flatMap((b) => splitter.push(b));
  assert.equal(envelopes.length, 1);
  const fields = readFileFields(envelopes[0]!.parts);
  assert.equal(fields.data.length, 3, "one view per buffer the data lies in");
  fields.data.forEach((view, i) => {
    assert.equal(view.buffer, buffers[i]!.buffer, `view ${i} shares its buffer`);
  });
  // Chunks for the writer: consecutive offsets, same views.
  const chunks = chunksOf(fields);
  assert.equal(chunks.length, 3);
  assert.equal(chunks[1]!.offset, fields.offset + chunks[0]!.data.length);
  assert.equal(chunks[2]!.offset, chunks[1]!.offset + chunks[1]!.data.length);
  assert.deepEqual(
    chunksOf({ offset: 7, data: [], item: undefined }),
    [{ offset: 7, data: new Uint8Array(0) }],
    "an empty message is one empty chunk",
  );
});

test("malformed payloads are refused with Internal 'parse binary', as the stock client refuses them", () => {
  for (const { name, payload } of MALFORMED) {
    assert.throws(() => fromBinary(ReadFileResponseSchema, payload), `${name}: protobuf-es refuses it too`);
    assert.throws(
      () => readFileFields([payload]),
      (e: unknown) =>
        e instanceof ConnectError && e.code === Code.Internal && /^\[internal\] parse binary: /.test(e.message),
      name,
    );
  }
});

function connectBody(payloads: readonly Uint8Array[], end: object = {}): Uint8Array {
  return concat(...payloads.map((p) => envelope(0, p)), envelope(0b10, new TextEncoder().encode(JSON.stringify(end))));
}

const CONNECT_HEADERS = new Headers({ "content-type": "application/connect+proto" });
const GRPC_HEADERS = new Headers({ "content-type": "application/grpc+proto" });

function decodeAll(
  protocol: "connect" | "grpc",
  headers: Headers,
  buffers: readonly Uint8Array[],
  trailers = new Headers(),
): ReadFileFields[] {
  const decoder = createResponseDecoder(protocol, 200, headers);
  const out = buffers.flatMap((b) => decoder.push(b));
  decoder.finish(trailers);
  return out;
}

test("a whole Connect stream decodes message by message wherever it is cut, end-stream included", () => {
  const payloads = PAYLOADS.filter((p) => p.payload.length < 2000).map((p) => p.payload);
  const body = connectBody(payloads);
  for (let i = 0; i < 60; i++) {
    const messages = decodeAll("connect", CONNECT_HEADERS, splitAt(body, randomCuts(body.length, 1 + (i % 9), i)));
    assert.equal(messages.length, payloads.length);
    for (const [k, m] of messages.entries()) assertSameAsStock(m, payloads[k]!, `message ${k}, split ${i}`);
  }
});

test("a whole gRPC stream decodes the same; its status comes from the trailers", () => {
  const payloads = PAYLOADS.map((p) => p.payload);
  const body = concat(...payloads.map((p) => envelope(0, p)));
  const messages = decodeAll(
    "grpc",
    GRPC_HEADERS,
    splitAt(body, randomCuts(body.length, 12, 7)),
    new Headers({ "grpc-status": "0" }),
  );
  assert.equal(messages.length, payloads.length);
  for (const [k, m] of messages.entries()) assertSameAsStock(m, payloads[k]!, `message ${k}`);
});

function rejects(fn: () => unknown, code: Code, pattern: RegExp, name: string): ConnectError {
  let caught: unknown;
  try {
    fn();
  } catch (e) {
    caught = e;
  }
  assert.ok(caught instanceof ConnectError, `${name}: a ConnectError, got ${String(caught)}`);
  assert.equal(caught.code, code, `${name}: code ${Code[caught.code]}: ${caught.message}`);
  assert.match(caught.message, pattern, name);
  return caught;
}

test("stream errors: the stock client's codes, messages and metadata", () => {
  const one = PAYLOADS[2]!.payload;
  const endError = {
    error: { code: "unavailable", message: "too many streams" },
    metadata: { "retry-after-ms": ["1500"] },
  };
  const e = rejects(
    () => decodeAll("connect", CONNECT_HEADERS, [connectBody([one], endError)]),
    Code.Unavailable,
    /too many streams/,
    "end-stream error",
  );
  assert.equal(e.metadata.get("retry-after-ms"), "1500");
  assert.equal(
    e.metadata.get("content-type"),
    "application/connect+proto",
    "response headers join the error's metadata",
  );
  rejects(
    () => decodeAll("connect", CONNECT_HEADERS, [envelope(0, one)]),
    Code.InvalidArgument,
    /missing EndStreamResponse/,
    "no end-stream",
  );
  rejects(
    () => decodeAll("connect", CONNECT_HEADERS, [concat(connectBody([]), envelope(0, one))]),
    Code.InvalidArgument,
    /extra message after EndStreamResponse/,
    "message after end",
  );
  rejects(
    () =>
      decodeAll("connect", CONNECT_HEADERS, [concat(connectBody([]), envelope(0b10, new TextEncoder().encode("{}")))]),
    Code.InvalidArgument,
    /extra EndStreamResponse/,
    "two ends",
  );
  rejects(
    () => decodeAll("connect", CONNECT_HEADERS, [envelope(0b10, new TextEncoder().encode("not json"))]),
    Code.InvalidArgument,
    /failed to parse EndStreamResponse/,
    "bad end-stream JSON",
  );
  rejects(
    () => decodeAll("connect", CONNECT_HEADERS, [connectBody([one]).subarray(0, 12)]),
    Code.InvalidArgument,
    /incomplete envelope/,
    "body cut inside an envelope",
  );
  rejects(
    () => decodeAll("connect", CONNECT_HEADERS, [envelope(0b01, one)]),
    Code.Internal,
    /received compressed envelope.*uncompressed/,
    "Connect: compressed flag",
  );
  rejects(
    () => decodeAll("grpc", GRPC_HEADERS, [envelope(0b01, one)]),
    Code.Internal,
    /received compressed envelope/,
    "gRPC: compressed flag",
  );
  assert.throws(() => createEnvelopeSplitter(100).push(envelope(0, new Uint8Array(101))), MessageTooLargeError);
  const g = rejects(
    () =>
      decodeAll(
        "grpc",
        GRPC_HEADERS,
        [envelope(0, one)],
        new Headers({ "grpc-status": "14", "grpc-message": "busy, retry", "retry-after-ms": "250" }),
      ),
    Code.Unavailable,
    /busy, retry/,
    "gRPC trailer error",
  );
  assert.equal(g.metadata.get("retry-after-ms"), "250");
  rejects(
    () => decodeAll("grpc", GRPC_HEADERS, [envelope(0, one)]),
    Code.Internal,
    /missing status/,
    "gRPC without status",
  );
});

test("response heads: HTTP errors, wrong content types, compression and trailers-only gRPC errors", () => {
  rejects(
    () => createResponseDecoder("connect", 503, CONNECT_HEADERS),
    Code.Unavailable,
    /HTTP 503/,
    "Connect HTTP 503",
  );
  rejects(
    () => createResponseDecoder("connect", 200, new Headers({ "content-type": "application/json" })),
    Code.Internal,
    /unsupported content type/,
    "Connect unary JSON type",
  );
  rejects(
    () =>
      createResponseDecoder(
        "connect",
        200,
        new Headers({ "content-type": "application/connect+proto", "connect-content-encoding": "gzip" }),
      ),
    Code.Internal,
    /unsupported response encoding "gzip"/,
    "Connect gzip",
  );
  rejects(
    () =>
      createResponseDecoder("grpc", 200, new Headers({ "content-type": "application/grpc", "grpc-encoding": "gzip" })),
    Code.Internal,
    /unsupported response encoding/,
    "gRPC gzip",
  );
  rejects(
    () =>
      createResponseDecoder(
        "grpc",
        200,
        new Headers({ "content-type": "application/grpc", "grpc-status": "5", "grpc-message": "no such item" }),
      ),
    Code.NotFound,
    /no such item/,
    "gRPC trailers-only",
  );
  rejects(() => createResponseDecoder("grpc", 502, GRPC_HEADERS), Code.Unavailable, /HTTP 502/, "gRPC HTTP 502");
  // A trailers-only OK (status in the headers, no body) ends cleanly without trailers.
  const decoder = createResponseDecoder(
    "grpc",
    200,
    new Headers({ "content-type": "application/grpc", "grpc-status": "0" }),
  );
  decoder.finish(new Headers());
});

/**
 * Decodes `body` as a reader reusing ONE read buffer would deliver it: each cut is copied into
 * the same buffer, the messages of a push are consumed (their data copied), then the buffer is
 * overwritten with garbage before the next push.
 */
function decodeThroughOneBuffer(protocol: "connect" | "grpc", headers: Headers, body: Uint8Array, cuts: number[]) {
  const readBuffer = new Uint8Array(body.length + 1);
  const decoder = createResponseDecoder(protocol, 200, headers, undefined, true);
  const out: Array<{ offset: number; data: Uint8Array; item: ReadFileFields["item"] }> = [];
  for (const read of splitAt(body, cuts)) {
    readBuffer.set(read);
    for (const m of decoder.push(readBuffer.subarray(0, read.length)))
      out.push({ offset: m.offset, data: concat(...m.data), item: m.item });
    readBuffer.fill(0xee);
  }
  decoder.finish(new Headers(protocol === "grpc" ? { "grpc-status": "0" } : {}));
  return out;
}

test("transient buffers: a reused read buffer overwritten after every push still decodes as protobuf-es", () => {
  const payloads = PAYLOADS.map((p) => p.payload);
  const body = connectBody(payloads);
  const grpcBody = concat(...payloads.map((p) => envelope(0, p)));
  for (let i = 0; i < 80; i++) {
    for (const [protocol, headers, b] of [
      ["connect", CONNECT_HEADERS, body],
      ["grpc", GRPC_HEADERS, grpcBody],
    ] as const) {
      const cuts = randomCuts(b.length, 1 + (i % 23), 1000 + i);
      const messages = decodeThroughOneBuffer(protocol, headers, b, cuts);
      assert.equal(messages.length, payloads.length, `${protocol} cuts ${cuts.join(",")}`);
      for (const [k, m] of messages.entries())
        assertSameAsStock({ ...m, data: [m.data] }, payloads[k]!, `${protocol} message ${k}, cuts ${cuts.join(",")}`);
    }
  }
  // Every single cut position of a small stream, and a message cut in three (scratch reused across pushes).
  const small = connectBody(PAYLOADS.filter((p) => p.payload.length < 400).map((p) => p.payload));
  for (let c = 0; c <= small.length; c++) {
    const messages = decodeThroughOneBuffer("connect", CONNECT_HEADERS, small, [c, Math.min(small.length, c + 7)]);
    assert.equal(messages.length, PAYLOADS.filter((p) => p.payload.length < 400).length, `cut at ${c}`);
  }
});

test("transient buffers: only a payload cut at the end of a push is copied, into two scratch buffers taking turns", () => {
  const { payload } = PAYLOADS.find((p) => p.name === "a large chunk (1 MiB)")!;
  const body = concat(envelope(0, payload), envelope(0, payload), envelope(0, payload));
  const splitter = createEnvelopeSplitter(undefined, true);
  const one = envelope(0, payload).length;
  // Push 1 ends inside message 1; push 2 completes it and ends inside message 2; push 3 holds
  // the end of message 2 and ALL of message 3.
  const pushes = splitAt(body, [one - 1000, 2 * one - 10]);
  const e1 = splitter.push(pushes[0]!);
  assert.equal(e1.length, 0);
  const e2 = splitter.push(pushes[1]!);
  assert.equal(e2.length, 1);
  assert.equal(e2[0]!.parts.length, 2, "the retained start, then a view of this push");
  assert.notEqual(e2[0]!.parts[0]!.buffer, pushes[0]!.buffer, "the start was copied out of push 1");
  assert.equal(e2[0]!.parts[1]!.buffer, pushes[1]!.buffer, "the rest is a view of push 2");
  const scratchOfMessage1 = e2[0]!.parts[0]!.buffer;
  const e3 = splitter.push(pushes[2]!);
  assert.equal(e3.length, 2);
  assert.notEqual(e3[0]!.parts[0]!.buffer, scratchOfMessage1, "message 2 retained in the other scratch buffer");
  assert.equal(e3[1]!.parts.length, 1);
  assert.equal(e3[1]!.parts[0]!.buffer, pushes[2]!.buffer, "a message whole in one push is not copied");
});
