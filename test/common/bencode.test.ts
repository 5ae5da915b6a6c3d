/** Bencode (BEP 3): hostile inputs first, then canonical encodings and round trips. */
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { decode, encode, MAX_DEPTH } from "../../common/bencode.js";

const bytes = (text: string): Uint8Array => Buffer.from(text, "latin1");

describe("decode refuses", () => {
  const cases: Array<[string, string]> = [
    ["empty input", ""],
    ["leading zero", "i03e"],
    ["negative zero", "i-0e"],
    ["empty integer", "ie"],
    ["unterminated integer", "i12"],
    ["a plus sign", "i+1e"],
    ["string past the end", "5:abc"],
    ["string length with a leading zero", "03:abc"],
    ["a huge string length", "99999999999999999999:x"],
    ["unterminated list", "li1e"],
    ["unterminated dictionary", "d1:ai1e"],
    ["keys out of order", "d1:bi1e1:ai2ee"],
    ["a repeated key", "d1:ai1e1:ai2ee"],
    ["a non-string key", "di1ei2ee"],
    ["trailing bytes", "i1ei2e"],
    ["an unknown type", "x"],
    ["nesting too deep", "l".repeat(MAX_DEPTH + 2) + "e".repeat(MAX_DEPTH + 2)],
  ];
  for (const [name, input] of cases) test(name, () => assert.throws(() => decode(bytes(input)), SyntaxError));
});

describe("encode", () => {
  const cases: Array<[string, Parameters<typeof encode>[0], string]> = [
    ["zero", 0, "i0e"],
    ["negative", -42, "i-42e"],
    ["bigint beyond 2^53", 2n ** 64n, "i18446744073709551616e"],
    ["empty string", "", "0:"],
    ["UTF-8 string", "é", "2:\u00c3\u00a9"],
    ["bytes", new Uint8Array([0, 255]), "2:\u0000\u00ff"],
    ["list", [1, "a", []], "li1e1:alee"],
    ["keys sorted by raw bytes, not by insertion", { b: 1, a: 2, "": 3 }, "d0:i3e1:ai2e1:bi1ee"],
    [
      "binary map keys sorted by bytes",
      new Map([
        [new Uint8Array([0xff]), 1],
        [new Uint8Array([0x01]), 2],
      ]),
      "d1:\u0001i2e1:\u00ffi1ee",
    ],
    ["upper case before lower case (byte order)", { a: 1, B: 2 }, "d1:Bi2e1:ai1ee"],
  ];
  for (const [name, value, expected] of cases)
    test(name, () => assert.equal(Buffer.from(encode(value)).toString("latin1"), expected));
  test("refuses a fraction", () => assert.throws(() => encode(1.5), RangeError));
  test("refuses duplicate keys (a string and its bytes)", () =>
    assert.throws(
      () =>
        encode(
          new Map<string | Uint8Array, number>([
            ["a", 1],
            [bytes("a"), 2],
          ]),
        ),
      RangeError,
    ));
});

describe("round trip", () => {
  test("a torrent-like structure", () => {
    const value = {
      info: {
        "file tree": { "a.txt": { "": { length: 5, "pieces root": new Uint8Array(32).fill(7) } } },
        "meta version": 2,
      },
      "url-list": ["http://x/"],
    };
    const decoded = decode(encode(value)) as Map<string, unknown>;
    const info = decoded.get("info") as Map<string, unknown>;
    assert.equal(info.get("meta version"), 2);
    const leaf = ((info.get("file tree") as Map<string, unknown>).get("a.txt") as Map<string, unknown>).get("") as Map<
      string,
      unknown
    >;
    assert.deepEqual(Buffer.from(leaf.get("pieces root") as Uint8Array), Buffer.alloc(32, 7));
    assert.equal(Buffer.from((decoded.get("url-list") as Uint8Array[])[0]!).toString(), "http://x/");
  });
  test("big integers come back as bigint, small ones as numbers", () => {
    assert.equal(decode(encode(2n ** 60n)), 2n ** 60n);
    assert.equal(decode(encode(123)), 123);
  });
});
