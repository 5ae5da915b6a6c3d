import { test } from "node:test";
import assert from "node:assert/strict";
import { decodePageToken, encodePageToken, InvalidPageTokenError } from "../../../server/catalog/page-token.js";

test("page tokens round-trip any id", () => {
  for (const id of ["share/a", "s/名前/ü.txt", "s/" + "x".repeat(3000), 's/with "quotes" and +/=']) {
    const token = encodePageToken(id);
    assert.match(token, /^[A-Za-z0-9_-]+$/, "url-safe");
    assert.equal(decodePageToken(token), id);
  }
});

test("foreign tokens are refused", () => {
  const b64 = (s: string) => Buffer.from(s).toString("base64url");
  const bad = [
    "",
    "!!!",
    "a b",
    "x".repeat(9000),
    b64("not json"),
    b64("null"),
    b64("[]"),
    b64('{"after":"x"}'),
    b64('{"v":2,"after":"x"}'),
    b64('{"v":1,"after":5}'),
    b64('{"v":1,"after":""}'),
  ];
  for (const token of bad)
    assert.throws(() => decodePageToken(token), InvalidPageTokenError, JSON.stringify(token.slice(0, 30)));
});
