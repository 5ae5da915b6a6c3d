/**
 * HPACK (client/transfer/raw-h2/hpack-decoder.ts, hpack-huffman.ts) against RFC 7541 Appendix C,
 * its Huffman table checked as a canonical prefix code, and every representation the RFC
 * forbids refused (hostile inputs first).
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import {
  encodeLiteralFields,
  HeaderListTooLargeError,
  HpackDecoder,
  HpackError,
  hpackInteger,
  type HeaderField,
} from "../../../../client/transfer/raw-h2/hpack-decoder.js";
import {
  EOS,
  huffmanCode,
  huffmanDecode,
  huffmanEncode,
  HuffmanError,
} from "../../../../client/transfer/raw-h2/hpack-huffman.js";

const hex = (s: string): Uint8Array => Uint8Array.from(Buffer.from(s.replace(/\s+/g, ""), "hex"));

const hostile: Array<[string, string, RegExp]> = [
  ["index 0", "80", /index 0/],
  ["an index past both tables", "be", /past the dynamic table/],
  ["a literal whose name index is past both tables", "7f0000", /past the dynamic table/],
  ["a size update above the announced 4096", "3fe21f", /above 4096/],
  ["a size update after a field", "8220", /after a header field/],
  ["a string running past its block", "40036162", /runs past/],
  ["a block ending inside an integer", "ff", /inside an integer/],
  ["a block ending before a string", "40", /before a string/],
  ["an integer of 2^28 or more", "ff8080808001", /too large/],
  ["Huffman padding that is not ones", "408100", /not the EOS code's prefix/],
  ["the EOS symbol in a Huffman string", "4084ffffffff", /EOS/],
  ["Huffman padding of 8 bits or more", `4082${"1f"}ff`, /longer than 7 bits/],
];
for (const [name, block, message] of hostile) {
  test(`hostile: ${name} is a decoding error`, () => {
    assert.throws(
      () => new HpackDecoder().decode(hex(block)),
      (e: unknown) => e instanceof HpackError && message.test(e.message),
    );
  });
}

test("hostile: a list larger than the limit is refused, whether literal or through the dynamic table", () => {
  const big = encodeLiteralFields([["x-big", "a".repeat(70_000)]]);
  assert.throws(() => new HpackDecoder().decode(big), HeaderListTooLargeError);
  // One 1 KiB entry indexed, then referenced 100 times: 4 bytes of block, 100 KiB of list.
  const d = new HpackDecoder(4096, 65536);
  const add = Buffer.concat([Buffer.from([0x40]), encodeLiteralFields([["x-k", "v".repeat(1000)]]).subarray(1)]);
  d.decode(add);
  assert.throws(() => d.decode(new Uint8Array(100).fill(0xbe)), HeaderListTooLargeError);
});

test("C.1: integers of 5 and 8-bit prefixes", () => {
  assert.deepEqual(hpackInteger(0, 5, 10), [0x0a]);
  assert.deepEqual(hpackInteger(0, 5, 1337), [0x1f, 0x9a, 0x0a]);
  assert.deepEqual(hpackInteger(0, 8, 42), [0x2a]);
  const d = new HpackDecoder();
  // A literal name of length 1337 would run past the block: the decoder reads the integer first.
  assert.throws(() => d.decode(Uint8Array.from([0x40, 0x7f, 0xba, 0x09])), /runs past/);
});

test("C.2: literal with indexing, without indexing, never indexed, indexed", () => {
  const d1 = new HpackDecoder();
  assert.deepEqual(d1.decode(hex("400a637573746f6d2d6b65790d637573746f6d2d686561646572")), [
    ["custom-key", "custom-header"],
  ]);
  assert.equal(d1.tableSize, 55);
  const d2 = new HpackDecoder();
  assert.deepEqual(d2.decode(hex("040c2f73616d706c652f70617468")), [[":path", "/sample/path"]]);
  assert.equal(d2.tableSize, 0);
  const d3 = new HpackDecoder();
  assert.deepEqual(d3.decode(hex("100870617373776f726406736563726574")), [["password", "secret"]]);
  assert.equal(d3.tableSize, 0);
  assert.deepEqual(new HpackDecoder().decode(hex("82")), [[":method", "GET"]]);
});

const REQUESTS: HeaderField[][] = [
  [
    [":method", "GET"],
    [":scheme", "http"],
    [":path", "/"],
    [":authority", "www.example.com"],
  ],
  [
    [":method", "GET"],
    [":scheme", "http"],
    [":path", "/"],
    [":authority", "www.example.com"],
    ["cache-control", "no-cache"],
  ],
  [
    [":method", "GET"],
    [":scheme", "https"],
    [":path", "/index.html"],
    [":authority", "www.example.com"],
    ["custom-key", "custom-value"],
  ],
];
const REQUEST_SIZES = [57, 110, 164];

for (const [name, blocks] of [
  [
    "C.3: requests without Huffman",
    [
      "828684410f7777772e6578616d706c652e636f6d",
      "828684be58086e6f2d6361636865",
      "828785bf400a637573746f6d2d6b65790c637573746f6d2d76616c7565",
    ],
  ],
  [
    "C.4: requests with Huffman",
    [
      "828684418cf1e3c2e5f23a6ba0ab90f4ff",
      "828684be5886a8eb10649cbf",
      "828785bf408825a849e95ba97d7f8925a849e95bb8e8b4bf",
    ],
  ],
] as const) {
  test(`${name}, one decoder across the three blocks`, () => {
    const d = new HpackDecoder();
    blocks.forEach((block, i) => {
      assert.deepEqual(d.decode(hex(block)), REQUESTS[i]);
      assert.equal(d.tableSize, REQUEST_SIZES[i]);
    });
    assert.deepEqual(d.table, [
      ["custom-key", "custom-value"],
      ["cache-control", "no-cache"],
      [":authority", "www.example.com"],
    ]);
  });
}

const RESPONSES: HeaderField[][] = [
  [
    [":status", "302"],
    ["cache-control", "private"],
    ["date", "Mon, 21 Oct 2013 20:13:21 GMT"],
    ["location", "https://www.example.com"],
  ],
  [
    [":status", "307"],
    ["cache-control", "private"],
    ["date", "Mon, 21 Oct 2013 20:13:21 GMT"],
    ["location", "https://www.example.com"],
  ],
  [
    [":status", "200"],
    ["cache-control", "private"],
    ["date", "Mon, 21 Oct 2013 20:13:22 GMT"],
    ["location", "https://www.example.com"],
    ["content-encoding", "gzip"],
    ["set-cookie", "foo=ASDJKHQKBZXOQWEOPIUAXQWEOIU; max-age=3600; version=1"],
  ],
];

for (const [name, blocks] of [
  [
    "C.5: responses without Huffman",
    [
      "4803333032580770726976617465611d4d6f6e2c203231204f637420323031332032303a31333a323120474d546e1768747470733a2f2f7777772e6578616d706c652e636f6d",
      "4803333037c1c0bf",
      "88c1611d4d6f6e2c203231204f637420323031332032303a31333a323220474d54c05a04677a69707738666f6f3d4153444a4b48514b425a584f5157454f50495541585157454f49553b206d61782d6167653d333630303b2076657273696f6e3d31",
    ],
  ],
  [
    "C.6: responses with Huffman",
    [
      "488264025885aec3771a4b6196d07abe941054d444a8200595040b8166e082a62d1bff6e919d29ad171863c78f0b97c8e9ae82ae43d3",
      "4883640effc1c0bf",
      "88c16196d07abe941054d444a8200595040b8166e084a62d1bffc05a839bd9ab77ad94e7821dd7f2e6c7b335dfdfcd5b3960d5af27087f3672c1ab270fb5291f9587316065c003ed4ee5b1063d5007",
    ],
  ],
] as const) {
  test(`${name}: a 256-byte table, entries evicted`, () => {
    // The table is 256 bytes: the peer shrinks it with a size update at the first block's start.
    const d = new HpackDecoder();
    blocks.forEach((block, i) => {
      const bytes = i === 0 ? Buffer.concat([Buffer.from(hpackInteger(0x20, 5, 256)), hex(block)]) : hex(block);
      assert.deepEqual(d.decode(bytes), RESPONSES[i]);
      assert.equal(d.tableSize, [222, 222, 215][i]);
    });
    assert.deepEqual(d.table, [
      ["set-cookie", "foo=ASDJKHQKBZXOQWEOPIUAXQWEOIU; max-age=3600; version=1"],
      ["content-encoding", "gzip"],
      ["date", "Mon, 21 Oct 2013 20:13:22 GMT"],
    ]);
  });
}

test("size updates: to 0 empties the table, two in a row at a block's start are allowed", () => {
  const d = new HpackDecoder();
  d.decode(hex("400a637573746f6d2d6b65790d637573746f6d2d686561646572"));
  assert.equal(d.tableSize, 55);
  assert.deepEqual(d.decode(Uint8Array.from([0x20, 0x3f, 0xe1, 0x1f, 0x82])), [[":method", "GET"]]);
  assert.equal(d.tableSize, 0);
  assert.throws(() => d.decode(hex("be")), /past the dynamic table/);
});

test("an entry larger than the table empties it and is not added (§4.4)", () => {
  const d = new HpackDecoder();
  d.decode(hex("400a637573746f6d2d6b65790d637573746f6d2d686561646572"));
  const huge = Buffer.concat([Buffer.from([0x40]), encodeLiteralFields([["x", "y".repeat(5000)]]).subarray(1)]);
  assert.deepEqual(d.decode(huge), [["x", "y".repeat(5000)]]);
  assert.equal(d.tableSize, 0);
  assert.equal(d.table.length, 0);
});

test("the Huffman table is a complete canonical prefix code (Kraft sum 1, codes in canonical order)", () => {
  let kraft = 0;
  const symbols = Array.from({ length: EOS + 1 }, (_, s) => s);
  for (const s of symbols) kraft += 2 ** -huffmanCode(s)[1];
  assert.equal(kraft, 1);
  // Canonical: sorted by (length, symbol), each code is the previous + 1, shifted to its length.
  const sorted = symbols.sort((a, b) => huffmanCode(a)[1] - huffmanCode(b)[1] || a - b);
  let expected = 0;
  let prevBits = huffmanCode(sorted[0] as number)[1];
  for (const s of sorted) {
    const [code, bits] = huffmanCode(s);
    expected <<= bits - prevBits;
    assert.equal(code, expected, `symbol ${s}`);
    expected++;
    prevBits = bits;
  }
  assert.deepEqual(huffmanCode(EOS), [0x3fffffff, 30]);
});

test("Huffman: every byte value round-trips, and strings of each length pad correctly", () => {
  const all = Uint8Array.from({ length: 256 }, (_, i) => i);
  assert.deepEqual(huffmanDecode(huffmanEncode(all)), all);
  for (let n = 0; n < 20; n++) {
    const s = Buffer.from("www.example.com-0123".slice(0, n), "latin1");
    assert.deepEqual(Buffer.from(huffmanDecode(huffmanEncode(s))), s);
  }
  assert.deepEqual(huffmanEncode(Buffer.from("no-cache")), hex("a8eb10649cbf"));
  assert.throws(() => huffmanDecode(hex("ffffffff")), HuffmanError);
});

test("our request fields: literals without indexing that the decoder reads back and leave no table entry", () => {
  const fields: HeaderField[] = [
    [":method", "POST"],
    [":path", "/peer.v1.PeerService/ReadFile"],
    ["authorization", `Bearer ${"k".repeat(200)}`],
    ["te", "trailers"],
  ];
  const d = new HpackDecoder();
  assert.deepEqual(d.decode(encodeLiteralFields(fields)), fields);
  assert.equal(d.tableSize, 0);
  assert.throws(() => encodeLiteralFields([["Upper", "x"]]), TypeError);
  assert.throws(() => encodeLiteralFields([["x", "a\r\nb: c"]]), TypeError);
});
