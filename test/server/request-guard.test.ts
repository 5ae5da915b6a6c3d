import { test } from "node:test";
import assert from "node:assert/strict";
import { isValidAuthority, localAuthority } from "../../server/request-guard.js";

test("isValidAuthority", () => {
  const cases: Array<[string | undefined, boolean]> = [
    [undefined, false],
    ["", false],
    ["::1:8080", false], // what Node's HTTP/2 client sends for [::1]
    ["x:99999", false],
    ["[", false],
    ["a b", false],
    ["user@host", false],
    ["host/path", false],
    ["host?q", false],
    ["host#f", false],
    ["h\\x", false],
    ["x".repeat(301), false],
    ["127.0.0.1:8080", true],
    ["[::1]:8080", true],
    ["localhost", true],
    ["peer.example:443", true],
  ];
  for (const [authority, ok] of cases) assert.equal(isValidAuthority(authority), ok, String(authority));
});

test("localAuthority", () => {
  const cases: Array<[string | undefined, number | undefined, string]> = [
    ["127.0.0.1", 8080, "127.0.0.1:8080"],
    ["::1", 8080, "[::1]:8080"],
    ["::ffff:127.0.0.1", 1, "[::ffff:127.0.0.1]:1"],
    [undefined, 8080, "localhost:8080"],
    ["", undefined, "localhost"],
  ];
  for (const [address, port, expected] of cases) {
    assert.equal(localAuthority(address, port), expected);
    assert.ok(isValidAuthority(expected));
  }
});
