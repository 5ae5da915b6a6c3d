/**
 * The raw HTTP/2 reader's frame parser, stream and flow control (client/transfer/raw-h2/h2-exchange.ts),
 * fed a server's bytes through a recording connection so they can be cut at every position (a real
 * socket decides its own cuts; h2-request.test.ts runs real sockets and servers): the same response
 * whatever the cuts, every violation refused with the right HTTP/2 code, the windows credited only
 * with what the reader took.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { Code, ConnectError } from "@connectrpc/connect";
import { H2Exchange, WINDOW_UPDATE_BYTES } from "../../../../client/transfer/raw-h2/h2-exchange.js";
import { OVERHEAD_BURST_BYTES } from "../../../../client/transfer/raw-h2/h2-frame-reader.js";
import { H2Error, RECEIVE_WINDOW } from "../../../../client/transfer/raw-h2/h2-frames.js";
import { huffmanEncode } from "../../../../client/transfer/raw-h2/hpack-huffman.js";
import {
  block,
  data,
  exchange,
  Flag,
  frame,
  FrameType,
  goaway,
  headers,
  OK_GRPC,
  RecordingConnection,
  request,
  rst,
  SERVER_SETTINGS,
  settingsFrame,
} from "./h2-fixtures.js";

const bytes = (n: number, seed: number): Buffer =>
  Buffer.from(Array.from({ length: n }, (_, i) => (i * 31 + seed) & 0xff));

/** A response with everything the parser must get through: padding, priority, CONTINUATION, Huffman, indexing, 1xx. */
function fullResponse(): { wire: Buffer; body: Buffer } {
  const huff = (s: string) => {
    const h = huffmanEncode(Buffer.from(s, "latin1"));
    return Buffer.concat([Buffer.from([0x80 | h.length]), h]);
  };
  // :status 200 (indexed), content-type (static name 31) Huffman value, indexed; x-a: 1 indexed, then referenced.
  const head = Buffer.concat([
    Buffer.from([0x88, 0x5f]),
    huff("application/grpc+proto"),
    Buffer.from([0x40, 0x03]),
    Buffer.from("x-a"),
    Buffer.from([0x01]),
    Buffer.from("1"),
    Buffer.from([0xbe]),
  ]);
  const padded = Buffer.concat([Buffer.from([7]), Buffer.alloc(5), head.subarray(0, 9), Buffer.alloc(7)]);
  const one = bytes(1000, 1);
  const two = bytes(3000, 2);
  const trailers = block([["grpc-status", "0"]]);
  const wire = Buffer.concat([
    SERVER_SETTINGS,
    frame(FrameType.PING, 0, 0, Buffer.from("12345678")),
    headers([[":status", "103"]]),
    frame(FrameType.HEADERS, Flag.PADDED | Flag.PRIORITY, 1, padded),
    frame(FrameType.CONTINUATION, 0, 1, head.subarray(9, 14)),
    frame(FrameType.CONTINUATION, Flag.END_HEADERS, 1, head.subarray(14)),
    frame(0xfa, 0, 0, Buffer.alloc(10, 1)), // unknown type: ignored
    data(one, 0, 20),
    frame(FrameType.WINDOW_UPDATE, 0, 0, Buffer.from([0, 0, 1, 0])),
    frame(FrameType.PRIORITY, 0, 1, Buffer.alloc(5)),
    data(two),
    data(Buffer.alloc(0)),
    frame(FrameType.SETTINGS, Flag.ACK, 0),
    frame(FrameType.HEADERS, Flag.END_STREAM, 1, trailers.subarray(0, 4)),
    frame(FrameType.CONTINUATION, Flag.END_HEADERS, 1, trailers.subarray(4)),
  ]);
  return { wire, body: Buffer.concat([one, two]) };
}

function assertFull(got: Awaited<ReturnType<typeof exchange>>, body: Buffer, label: string): void {
  assert.equal(got.error, undefined, `${label}: ${String(got.error)}`);
  assert.equal(got.status, 200, label);
  assert.equal(got.headers?.get("content-type"), "application/grpc+proto", label);
  assert.equal(got.headers?.get("x-a"), "1, 1", label);
  assert.ok(got.data.equals(body), `${label}: the body`);
  assert.equal(got.trailers?.get("grpc-status"), "0", label);
  const frames = got.conn.frames();
  assert.ok(
    frames.some((f) => f.type === FrameType.SETTINGS && f.flags === Flag.ACK && f.payload.length === 0),
    label,
  );
  const ping = frames.find((f) => f.type === FrameType.PING);
  assert.equal(ping?.flags, Flag.ACK, label);
  assert.equal(ping?.payload.toString(), "12345678", label);
  const last = frames.at(-1);
  assert.equal(last?.type, FrameType.GOAWAY, `${label}: a polite close`);
  assert.equal(last?.payload.readUInt32BE(4), H2Error.NO_ERROR, label);
  assert.ok(got.conn.closed, label);
}

test("a whole response, cut in two at every position, reads the same", async () => {
  const { wire, body } = fullResponse();
  for (let cut = 0; cut <= wire.length; cut++) {
    assertFull(await exchange([wire.subarray(0, cut), wire.subarray(cut)]), body, `cut at ${cut}`);
  }
});

test("a whole response fed one byte per read reads the same", async () => {
  const { wire, body } = fullResponse();
  const chunks = Array.from({ length: wire.length }, (_, i) => wire.subarray(i, i + 1));
  assertFull(await exchange(chunks), body, "byte by byte");
});

test("a trailers-only response (gRPC error in the head) ends the stream with no body", async () => {
  const got = await exchange([
    SERVER_SETTINGS,
    headers([...OK_GRPC, ["grpc-status", "5"], ["grpc-message", "not found"]], Flag.END_HEADERS | Flag.END_STREAM),
  ]);
  assert.equal(got.error, undefined);
  assert.equal(got.headers?.get("grpc-status"), "5");
  assert.equal(got.data.length, 0);
});

const violations: Array<[string, Buffer[], RegExp, number | undefined]> = [
  ["the first frame is not SETTINGS", [headers(OK_GRPC)], /first frame is not SETTINGS/, H2Error.PROTOCOL_ERROR],
  [
    "a frame above 16,384 bytes",
    [SERVER_SETTINGS, headers(OK_GRPC), data(Buffer.alloc(16_385))],
    /above the 16384/,
    H2Error.FRAME_SIZE_ERROR,
  ],
  ["DATA before the response head", [SERVER_SETTINGS, data(Buffer.alloc(10))], /DATA outside/, H2Error.PROTOCOL_ERROR],
  [
    "DATA padding as long as its frame",
    [SERVER_SETTINGS, headers(OK_GRPC), frame(FrameType.DATA, Flag.PADDED, 1, Buffer.from([5, 1, 2, 3, 4]))],
    /padding longer/,
    H2Error.PROTOCOL_ERROR,
  ],
  [
    "a padded DATA of 0 bytes",
    [SERVER_SETTINGS, headers(OK_GRPC), frame(FrameType.DATA, Flag.PADDED, 1)],
    /without its pad length/,
    H2Error.FRAME_SIZE_ERROR,
  ],
  [
    "a header block interrupted by DATA",
    [SERVER_SETTINGS, frame(FrameType.HEADERS, 0, 1, block(OK_GRPC)), data(Buffer.alloc(1))],
    /interrupted/,
    H2Error.PROTOCOL_ERROR,
  ],
  [
    "a CONTINUATION without HEADERS",
    [SERVER_SETTINGS, frame(FrameType.CONTINUATION, Flag.END_HEADERS, 1, block(OK_GRPC))],
    /CONTINUATION without/,
    H2Error.PROTOCOL_ERROR,
  ],
  [
    "a header block HPACK refuses",
    [SERVER_SETTINGS, frame(FrameType.HEADERS, Flag.END_HEADERS, 1, Buffer.from([0x80]))],
    /HPACK cannot decode: index 0/,
    H2Error.COMPRESSION_ERROR,
  ],
  [
    "a header block above 64 KiB (CONTINUATION after CONTINUATION)",
    [
      SERVER_SETTINGS,
      frame(FrameType.HEADERS, 0, 1, Buffer.alloc(16_000)),
      ...Array.from({ length: 4 }, () => frame(FrameType.CONTINUATION, 0, 1, Buffer.alloc(16_000))),
    ],
    /header block above 65536/,
    H2Error.ENHANCE_YOUR_CALM,
  ],
  [
    "a header list above 64 KiB through the dynamic table",
    [
      SERVER_SETTINGS,
      frame(
        FrameType.HEADERS,
        Flag.END_HEADERS,
        1,
        Buffer.concat([
          Buffer.from([0x88, 0x40, 0x03]),
          Buffer.from("x-b"),
          Buffer.from([0x7f, 0x81, 0x07]), // a 1,000-byte value: 127 + 873
          Buffer.alloc(1000, 0x61),
          Buffer.alloc(100, 0xbe),
        ]),
      ),
    ],
    /header list larger than 65536/,
    H2Error.ENHANCE_YOUR_CALM,
  ],
  [
    "PUSH_PROMISE",
    [SERVER_SETTINGS, frame(FrameType.PUSH_PROMISE, 0, 1, Buffer.alloc(8))],
    /PUSH_PROMISE/,
    H2Error.PROTOCOL_ERROR,
  ],
  ["ENABLE_PUSH set by the server", [settingsFrame([[2, 1]])], /ENABLE_PUSH/, H2Error.PROTOCOL_ERROR],
  [
    "a SETTINGS of 5 bytes",
    [frame(FrameType.SETTINGS, 0, 0, Buffer.alloc(5))],
    /SETTINGS of a wrong size/,
    H2Error.FRAME_SIZE_ERROR,
  ],
  [
    "a PING of 7 bytes",
    [SERVER_SETTINGS, frame(FrameType.PING, 0, 0, Buffer.alloc(7))],
    /PING of a wrong size/,
    H2Error.FRAME_SIZE_ERROR,
  ],
  [
    "a WINDOW_UPDATE of 0",
    [SERVER_SETTINGS, frame(FrameType.WINDOW_UPDATE, 0, 0, Buffer.alloc(4))],
    /WINDOW_UPDATE of 0/,
    H2Error.PROTOCOL_ERROR,
  ],
  [
    "HEADERS on stream 3",
    [SERVER_SETTINGS, frame(FrameType.HEADERS, Flag.END_HEADERS, 3, block(OK_GRPC))],
    /stream 3/,
    H2Error.PROTOCOL_ERROR,
  ],
  [
    "a response without :status",
    [SERVER_SETTINGS, headers([["content-type", "x"]])],
    /without :status/,
    H2Error.PROTOCOL_ERROR,
  ],
  [
    "an upper-case field name",
    [
      SERVER_SETTINGS,
      // encodeLiteralFields refuses such a name: written by hand (0x00: literal, new name).
      frame(
        FrameType.HEADERS,
        Flag.END_HEADERS,
        1,
        Buffer.concat([Buffer.from([0x88, 0x00, 0x01]), Buffer.from("X"), Buffer.from([0x01]), Buffer.from("y")]),
      ),
    ],
    /field named "X"/,
    H2Error.PROTOCOL_ERROR,
  ],
  [
    "a connection-specific field",
    [SERVER_SETTINGS, headers([...OK_GRPC, ["connection", "close"]])],
    /connection-specific/,
    H2Error.PROTOCOL_ERROR,
  ],
  [
    "a pseudo-header after a field",
    [
      SERVER_SETTINGS,
      headers([
        ["x-a", "1"],
        [":status", "200"],
      ]),
    ],
    /without :status|pseudo-header/,
    H2Error.PROTOCOL_ERROR,
  ],
  [
    "trailers without END_STREAM",
    [SERVER_SETTINGS, headers(OK_GRPC), data(Buffer.alloc(3)), headers([["grpc-status", "0"]])],
    /trailers without END_STREAM/,
    H2Error.PROTOCOL_ERROR,
  ],
  [
    "a pseudo-header in trailers",
    [SERVER_SETTINGS, headers(OK_GRPC), headers([[":status", "200"]], Flag.END_HEADERS | Flag.END_STREAM)],
    /pseudo-header/,
    H2Error.PROTOCOL_ERROR,
  ],
  [
    "fewer DATA bytes than content-length",
    [SERVER_SETTINGS, headers([...OK_GRPC, ["content-length", "10"]]), data(Buffer.alloc(9), Flag.END_STREAM)],
    /content-length 10, but 9/,
    H2Error.PROTOCOL_ERROR,
  ],
  [
    "more framing than data (12,000 PINGs)",
    [
      SERVER_SETTINGS,
      headers(OK_GRPC),
      Buffer.concat(Array.from({ length: 12_000 }, () => frame(FrameType.PING, Flag.ACK, 0, Buffer.alloc(8)))),
    ],
    /more framing than data/,
    H2Error.ENHANCE_YOUR_CALM,
  ],
  [
    "DATA beyond the 4 MiB window (the server ignored our flow control)",
    [
      SERVER_SETTINGS,
      headers(OK_GRPC),
      Buffer.concat(Array.from({ length: RECEIVE_WINDOW / 16_384 + 1 }, () => data(Buffer.alloc(16_384)))),
    ],
    /beyond the flow-control window/,
    H2Error.FLOW_CONTROL_ERROR,
  ],
];

for (const [name, chunks, message, code] of violations) {
  test(`hostile: ${name} fails the stream and tells the server 0x${code?.toString(16)}`, async () => {
    const got = await exchange(chunks);
    assert.ok(got.error !== undefined, "an error");
    assert.match(got.error.message, message);
    assert.equal((got.error as { code?: unknown }).code, "ERR_HTTP2_PEER_ERROR");
    const sent = got.conn.frames().find((f) => f.type === FrameType.GOAWAY);
    assert.equal(sent?.payload.readUInt32BE(4), code, "GOAWAY with the error's code");
    assert.ok(got.conn.closed);
  });
}

const ends: Array<[string, Buffer[], (e: Error) => boolean]> = [
  [
    "RST_STREAM INTERNAL_ERROR mid-body → Internal, as Node's reset of the stream",
    [SERVER_SETTINGS, headers(OK_GRPC), data(Buffer.alloc(100)), rst(H2Error.INTERNAL_ERROR)],
    (e) => e instanceof ConnectError && e.code === Code.Internal && /INTERNAL_ERROR/.test(e.message),
  ],
  [
    "RST_STREAM REFUSED_STREAM before the head → Unavailable",
    [SERVER_SETTINGS, rst(H2Error.REFUSED_STREAM)],
    (e) => e instanceof ConnectError && e.code === Code.Unavailable,
  ],
  [
    "RST_STREAM NO_ERROR mid-body → a reset connection",
    [SERVER_SETTINGS, headers(OK_GRPC), data(Buffer.alloc(100)), rst(H2Error.NO_ERROR)],
    (e) => (e as { code?: unknown }).code === "ECONNRESET",
  ],
  [
    "GOAWAY before our stream was taken → Unavailable (safe to send again)",
    [SERVER_SETTINGS, goaway(0, H2Error.NO_ERROR)],
    (e) => e instanceof ConnectError && e.code === Code.Unavailable && /before taking the stream/.test(e.message),
  ],
  [
    "GOAWAY naming our stream, then a close mid-body → a reset connection",
    [SERVER_SETTINGS, headers(OK_GRPC), data(Buffer.alloc(100)), goaway(1, H2Error.INTERNAL_ERROR)],
    (e) =>
      (e as { code?: unknown }).code === "ECONNRESET" && /after 100 DATA bytes \(after GOAWAY 0x2\)/.test(e.message),
  ],
  [
    "a close before any frame → a reset connection",
    [],
    (e) => (e as { code?: unknown }).code === "ECONNRESET" && /before its response/.test(e.message),
  ],
  [
    "a close mid-body → a reset connection",
    [SERVER_SETTINGS, headers(OK_GRPC), data(Buffer.alloc(100))],
    (e) => (e as { code?: unknown }).code === "ECONNRESET" && /after 100 DATA bytes/.test(e.message),
  ],
];
for (const [name, chunks, check] of ends) {
  test(`ends early: ${name}`, async () => {
    const got = await exchange(chunks);
    assert.ok(got.error !== undefined && check(got.error), String(got.error));
    assert.ok(got.conn.closed);
  });
}

test("a whole stream stays whole: garbage, a socket error or a reset after its end change nothing", async () => {
  for (const after of ["garbage", "error", "rst"] as const) {
    const conn = new RecordingConnection();
    const ex = new H2Exchange(request(), conn);
    const end = headers([["grpc-status", "0"]], Flag.END_HEADERS | Flag.END_STREAM);
    const tail = after === "rst" ? rst(H2Error.INTERNAL_ERROR) : Buffer.from("HTTP/1.1 400 Bad Request\r\n\r\n");
    // One read: the whole stream, then what comes after its end.
    conn.reader?.onRead(Buffer.concat([SERVER_SETTINGS, headers(OK_GRPC), data(Buffer.alloc(30, 1)), end, tail]));
    if (after === "error") conn.reader?.onError(Object.assign(new Error("reset"), { code: "ECONNRESET" }));
    const res = await ex.head;
    const first = await res.body.next();
    assert.equal(first.value?.length, 30, after);
    assert.equal((await res.body.next()).done, true, after);
    assert.equal(res.trailers().get("grpc-status"), "0", after);
    assert.ok(conn.closed, after);
  }
});

test("a GOAWAY naming our stream lets it finish", async () => {
  const got = await exchange([
    SERVER_SETTINGS,
    headers(OK_GRPC),
    goaway(1, H2Error.NO_ERROR),
    data(Buffer.alloc(50)),
    headers([["grpc-status", "0"]], Flag.END_HEADERS | Flag.END_STREAM),
  ]);
  assert.equal(got.error, undefined);
  assert.equal(got.data.length, 50);
});

test("an abort mid-body sends RST_STREAM CANCEL and fails the reader with the abort", async () => {
  const ctl = new AbortController();
  const conn = new RecordingConnection();
  const ex = new H2Exchange(request(ctl.signal), conn);
  void conn.feed([SERVER_SETTINGS, headers(OK_GRPC), data(Buffer.alloc(100))], false);
  const res = await ex.head;
  assert.equal((await res.body.next()).value?.length, 100);
  const pending = res.body.next();
  ctl.abort();
  await assert.rejects(pending, { name: "AbortError" });
  const sent = conn.frames().find((f) => f.type === FrameType.RST_STREAM);
  assert.equal(sent?.payload.readUInt32BE(0), H2Error.CANCEL);
  assert.ok(conn.closed);
});

test("flow control: the windows are credited only with what the reader took, in steps of an eighth", async () => {
  const frames = 640; // 10 MiB in 16 KiB frames, more than two windows
  const conn = new RecordingConnection();
  const ex = new H2Exchange(request(), conn);
  let taken = 0;
  const credits = { stream: 0, connection: 0 };
  conn.onWrite = (b) => {
    for (let at = 0; at + 9 <= b.length; at += 9 + b.readUIntBE(at, 3)) {
      if (b[at + 3] !== FrameType.WINDOW_UPDATE) continue;
      const inc = b.readUInt32BE(at + 9);
      if ((b.readUInt32BE(at + 5) & 0x7fffffff) === 1) credits.stream += inc;
      else credits.connection += inc;
    }
    // Never more than taken (the connection's first update raises the window to 4 MiB: not a credit).
    assert.ok(credits.stream <= taken, `stream credited ${credits.stream} > taken ${taken}`);
    assert.ok(credits.connection - (RECEIVE_WINDOW - 65_535) <= taken);
  };
  conn.write(frame(FrameType.WINDOW_UPDATE, 0, 0, Buffer.from([0, 0x3f, 0, 1]))); // what rawH2Request sends first
  // The server sends as long as its window allows, as a real one would (reads are still cut by the reader's pauses).
  const chunk = Buffer.concat(Array.from({ length: 16 }, () => data(Buffer.alloc(16_384, 7))));
  const sent = { bytes: 0 };
  const server = (async () => {
    await conn.feed([SERVER_SETTINGS, headers(OK_GRPC)], false);
    for (let i = 0; i < frames / 16; i++) {
      // Wait until the window has room for 16 more frames: the server honours our credits.
      while (sent.bytes + 16 * 16_384 > RECEIVE_WINDOW + credits.stream) await new Promise((r) => setImmediate(r));
      await conn.feed([chunk], false);
      sent.bytes += 16 * 16_384;
    }
    await conn.feed([headers([["grpc-status", "0"]], Flag.END_HEADERS | Flag.END_STREAM)], false);
  })();
  const res = await ex.head;
  let slowAt = 0;
  for (;;) {
    const r = await res.body.next();
    if (r.done === true) break;
    taken += r.value.length;
    if (taken === 1024 * 1024 && slowAt === 0) {
      // A slow reader: nothing is credited past what it took while it does not read.
      slowAt = credits.stream;
      await new Promise((r) => setTimeout(r, 20));
      assert.equal(credits.stream, slowAt);
      assert.ok(sent.bytes <= RECEIVE_WINDOW + credits.stream);
    }
  }
  await server;
  assert.equal(taken, frames * 16_384);
  assert.ok(credits.stream >= taken - RECEIVE_WINDOW, "the server was credited enough to send everything");
  assert.ok(credits.stream % WINDOW_UPDATE_BYTES === 0 || credits.stream > 0);
  assert.ok(OVERHEAD_BURST_BYTES > 0);
});
