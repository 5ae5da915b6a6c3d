import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { parse } from "content-disposition";
import { asciiFallback, contentDisposition, dispositionTypeFor } from "../../../common/http/content-disposition.js";

// [name, file name, expected header]; hostile names first. `filename` is a token when it can be one
// (RFC 6266 §4.1 allows token or quoted-string); `filename*` appears only when the fallback lost something.
const cases: [string, string, string][] = [
  ["double quote", 'a"b.txt', `attachment; filename=a_b.txt; filename*=UTF-8''a%22b.txt`],
  ["backslash", "a\\b.txt", `attachment; filename=a_b.txt; filename*=UTF-8''a%5Cb.txt`],
  [
    "CR LF header injection",
    "a\r\nSet-Cookie: x=1",
    `attachment; filename="a__Set-Cookie: x=1"; filename*=UTF-8''a%0D%0ASet-Cookie%3A%20x%3D1`,
  ],
  ["NUL and tab", "a\u0000\tb", `attachment; filename=a__b; filename*=UTF-8''a%00%09b`],
  ["percent", "100%.txt", `attachment; filename=100_.txt; filename*=UTF-8''100%25.txt`],
  ["semicolon stays inside quotes", "a;b=c", `attachment; filename="a;b=c"`],
  ["lone surrogate does not throw", "a\ud800b", `attachment; filename=a_b; filename*=UTF-8''a%EF%BF%BDb`],
  [
    "non-ASCII letters become underscores in the fallback",
    "été",
    `attachment; filename=_t_; filename*=UTF-8''%C3%A9t%C3%A9`,
  ],
  ["emoji is one fallback char", "\u{1F600}.png", `attachment; filename=_.png; filename*=UTF-8''%F0%9F%98%80.png`],
  ["plain ASCII has no filename*", "report 2024.pdf", `attachment; filename="report 2024.pdf"`],
  ["attr-chars kept", "a!#$&+-.^_`|~z", "attachment; filename=a!#$&+-.^_`|~z"],
];

describe("contentDisposition", () => {
  for (const [name, file, expected] of cases) test(name, () => assert.equal(contentDisposition(file), expected));
  test("inline variant", () => assert.equal(contentDisposition("a.mp4", "inline"), "inline; filename=a.mp4"));
  test("every header value is a single line of visible ASCII", () => {
    for (let c = 0; c < 0x3000; c += 7) {
      const value = contentDisposition(`x${String.fromCharCode(c)}y"\r\n`);
      assert.match(value, /^[\x20-\x7e]+$/);
    }
  });
  test("empty or blank names fall back to 'download'", () => {
    assert.equal(asciiFallback(""), "download");
    assert.equal(asciiFallback("   "), "download");
  });
  test("a parser gets the exact name back from filename* (RFC 8187), and filename comes first (RFC 6266 §4.3)", () => {
    for (const name of ["été.txt", "日本語.pdf", "a b'c", "\u{1F600}", 'q"uote\\d', "100%", "a\r\nb"]) {
      const value = contentDisposition(name);
      assert.equal(parse(value).parameters["filename"], name, value);
      const star = value.indexOf("filename*=");
      assert.ok(star === -1 || value.indexOf("filename=") < star, value);
    }
  });
});

describe("dispositionTypeFor", () => {
  const types: [string, string][] = [
    ["text/html; charset=utf-8", "attachment"],
    ["image/svg+xml", "attachment"],
    ["application/javascript", "attachment"],
    ["application/octet-stream", "attachment"],
    ["video/mp4", "inline"],
    ["audio/mpeg", "inline"],
    ["application/pdf", "inline"],
    ["image/png", "inline"],
    ["text/plain; charset=utf-8", "inline"],
  ];
  for (const [type, expected] of types)
    test(`${type} → ${expected}`, () => assert.equal(dispositionTypeFor(type), expected));
});
