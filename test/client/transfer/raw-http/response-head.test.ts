/**
 * The raw HTTP/1.1 reader's pure parts (client/transfer/raw-http/): the response head, the
 * body framing of RFC 9112 §6.3, and the body decoder cut at every byte, in tables.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { bodyFraming, createBodyDecoder, type BodyFraming } from "../../../../client/transfer/raw-http/body-framing.js";
import { MAX_HEAD_BYTES, parseResponseHead } from "../../../../client/transfer/raw-http/response-head.js";
import { DownloadError } from "../../../../client/errors.js";

const bytes = (s: string) => Buffer.from(s, "latin1");

test("response heads: parsed, incomplete or refused", () => {
  const cases: Array<{
    name: string;
    head: string;
    want?: { version: "1.0" | "1.1"; status: number; headers: Record<string, string> };
    incomplete?: true;
    error?: RegExp;
  }> = [
    {
      name: "a 206 with fields",
      head: 'HTTP/1.1 206 Partial Content\r\nContent-Length: 10\r\nETag:  "x" \r\n\r\nbody',
      want: { version: "1.1", status: 206, headers: { "content-length": "10", etag: '"x"' } },
    },
    { name: "no reason phrase", head: "HTTP/1.1 200\r\n\r\n", want: { version: "1.1", status: 200, headers: {} } },
    { name: "HTTP/1.0", head: "HTTP/1.0 404 Not Found\r\n\r\n", want: { version: "1.0", status: 404, headers: {} } },
    {
      name: "a repeated field is joined",
      head: "HTTP/1.1 200 OK\r\nVary: a\r\nvary: b\r\n\r\n",
      want: { version: "1.1", status: 200, headers: { vary: "a, b" } },
    },
    {
      name: "equal Content-Length copies",
      head: "HTTP/1.1 200 OK\r\ncontent-length: 5\r\nContent-Length: 5\r\n\r\n",
      want: { version: "1.1", status: 200, headers: { "content-length": "5" } },
    },
    { name: "no blank line yet", head: "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n", incomplete: true },
    { name: "nothing yet", head: "", incomplete: true },
    {
      name: "two Content-Lengths",
      head: "HTTP/1.1 200 OK\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\n",
      error: /two different Content-Length/,
    },
    { name: "not HTTP", head: "SSH-2.0-OpenSSH\r\n\r\n", error: /bad status line/ },
    { name: "HTTP/2 preface status", head: "HTTP/2 200\r\n\r\n", error: /bad status line/ },
    { name: "three-digit status only", head: "HTTP/1.1 20 OK\r\n\r\n", error: /bad status line/ },
    { name: "obs-fold", head: "HTTP/1.1 200 OK\r\nA: b\r\n c\r\n\r\n", error: /bad header line/ },
    { name: "space before colon", head: "HTTP/1.1 200 OK\r\nA : b\r\n\r\n", error: /bad header line/ },
    { name: "no colon", head: "HTTP/1.1 200 OK\r\nAb\r\n\r\n", error: /bad header line/ },
    { name: "a bare CR in a value", head: "HTTP/1.1 200 OK\r\nA: b\rc\r\n\r\n", error: /control character/ },
    {
      name: "too many fields",
      head: `HTTP/1.1 200 OK\r\n${"A: b\r\n".repeat(101)}\r\n`,
      error: /more than 100 header fields/,
    },
  ];
  for (const c of cases) {
    if (c.error !== undefined) {
      assert.throws(
        () => parseResponseHead(bytes(c.head)),
        (e: unknown) => e instanceof DownloadError && e.code === "protocol" && (c.error as RegExp).test(e.message),
        c.name,
      );
      continue;
    }
    const got = parseResponseHead(bytes(c.head));
    if (c.incomplete === true) assert.equal(got, undefined, c.name);
    // The body starts right after the blank line.
    else assert.deepEqual(got, { ...c.want, length: c.head.indexOf("\r\n\r\n") + 4 }, c.name);
  }
});

test("a head over 64 KiB is refused, complete or not", () => {
  const big = `HTTP/1.1 200 OK\r\nX: ${"a".repeat(MAX_HEAD_BYTES)}`;
  assert.throws(() => parseResponseHead(bytes(big)), /over 65536 bytes/);
  assert.throws(() => parseResponseHead(bytes(`${big}\r\n\r\n`)), /over 65536 bytes/);
});

test("body framing follows RFC 9112 §6.3", () => {
  const cases: Array<[string, number, Record<string, string>, BodyFraming | RegExp]> = [
    ["204 has no body", 204, { "content-length": "5" }, { kind: "none" }],
    ["304 has no body", 304, {}, { kind: "none" }],
    ["chunked", 200, { "transfer-encoding": "chunked" }, { kind: "chunked" }],
    [
      "chunked wins over a length",
      200,
      { "transfer-encoding": "gzip, Chunked", "content-length": "5" },
      { kind: "chunked" },
    ],
    ["a coding not ending in chunked reads to close", 200, { "transfer-encoding": "gzip" }, { kind: "close" }],
    ["a length", 206, { "content-length": "1048576" }, { kind: "length", length: 1048576 }],
    ["length 0", 200, { "content-length": "0" }, { kind: "none" }],
    ["no length reads to close", 200, {}, { kind: "close" }],
    ["a negative length", 200, { "content-length": "-1" }, /bad Content-Length/],
    ["a list as length", 200, { "content-length": "5, 5" }, /bad Content-Length/],
  ];
  for (const [name, status, headers, want] of cases) {
    if (want instanceof RegExp) assert.throws(() => bodyFraming(status, headers), want, name);
    else assert.deepEqual(bodyFraming(status, headers), want, name);
  }
});

function decodeCut(
  framing: BodyFraming,
  wire: Buffer,
  cuts: number[],
): { body: Buffer; done: boolean; views: boolean; bodyEnd: number } {
  const d = createBodyDecoder(framing);
  const out: Uint8Array[] = [];
  let done = false;
  let views = true;
  let at = 0;
  let bodyEnd = -1;
  for (const end of [...cuts, wire.length]) {
    const input = wire.subarray(at, end);
    at = end;
    const r = d.push(input);
    for (const part of r.data) {
      // No copies: every piece of body is a view of the bytes pushed.
      if (part.buffer !== input.buffer) views = false;
      out.push(part);
    }
    if (r.done) {
      done = true;
      bodyEnd = end - r.extra; // the bytes after the body are counted, whatever the cut
      break;
    }
  }
  return { body: Buffer.concat(out), done, views, bodyEnd };
}

test("chunked bodies decode the same cut at every byte, as views of the input", () => {
  const wire = bytes("5;ext=1\r\nhello\r\n1A\r\nabcdefghijklmnopqrstuvwxyz\r\n0\r\nX-Trailer: t\r\n\r\nNEXT");
  const body = "helloabcdefghijklmnopqrstuvwxyz";
  for (let i = 0; i <= wire.length; i++) {
    for (const j of [i, Math.min(wire.length, i + 3)]) {
      const r = decodeCut({ kind: "chunked" }, wire, [i, j]);
      assert.equal(r.body.toString("latin1"), body, `cut at ${i},${j}`);
      assert.ok(r.done, `done with cuts ${i},${j}`);
      assert.ok(r.views, `views with cuts ${i},${j}`);
      assert.equal(r.bodyEnd, wire.length - "NEXT".length, `body end with cuts ${i},${j}`);
    }
  }
});

test("bad chunked framing is refused", () => {
  const cases: Array<[string, string, RegExp]> = [
    ["not hex", "zz\r\n", /bad chunk size/],
    ["a chunk longer than its size", "2\r\nabc\r\n", /longer than its size/],
    ["a bare LF", "2\nab\r\n", /does not end with CRLF/],
    ["a size line without end", `${"1".repeat(5000)}`, /too long/],
  ];
  for (const [name, wire, error] of cases)
    assert.throws(() => createBodyDecoder({ kind: "chunked" }).push(bytes(wire)), error, name);
});

test("length and close bodies: exact bytes, then done; the end of input says whether it was whole", () => {
  const d = createBodyDecoder({ kind: "length", length: 5 });
  assert.deepEqual(
    d.push(bytes("abc")).data.map((v) => Buffer.from(v).toString()),
    ["abc"],
  );
  assert.equal(d.endOfInput(), false, "3 of 5 bytes is not whole");
  const r = d.push(bytes("defgh"));
  assert.deepEqual(
    r.data.map((v) => Buffer.from(v).toString()),
    ["de"],
  );
  assert.equal(r.done, true);
  assert.equal(r.extra, 3, "fgh follows the body");
  assert.equal(d.endOfInput(), true);
  assert.equal(d.received, 5);
  assert.deepEqual(d.push(bytes("x")), { data: [], done: true, extra: 1 }, "a byte after the end is extra");
  assert.deepEqual(createBodyDecoder({ kind: "none" }).push(bytes("ab")), { data: [], done: true, extra: 2 });
  assert.deepEqual(createBodyDecoder({ kind: "none" }).push(bytes("")), { data: [], done: true, extra: 0 });
  const c = createBodyDecoder({ kind: "close" });
  assert.equal(c.push(bytes("xyz")).done, false);
  assert.equal(c.endOfInput(), true, "a close-delimited body is whole at the end of input");
  const ch = createBodyDecoder({ kind: "chunked" });
  ch.push(bytes("3\r\nab"));
  assert.equal(ch.endOfInput(), false, "a chunked body cut in a chunk is not whole");
});
