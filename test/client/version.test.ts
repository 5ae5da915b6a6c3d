import { test } from "node:test";
import assert from "node:assert/strict";
import { checkCompatibility, compareSemver, parseSemver } from "../../client/version.js";

test("parseSemver / compareSemver", () => {
  assert.deepEqual(parseSemver("1.2.3"), [1, 2, 3]);
  assert.deepEqual(parseSemver("v1.2.3-rc.1"), [1, 2, 3]);
  for (const bad of ["", "1.2", "a.b.c", "1.2.3.4", "-1.0.0"]) assert.equal(parseSemver(bad), undefined, bad);
  const cases: Array<[string, string, number]> = [
    ["1.0.0", "1.0.0", 0],
    ["1.0.1", "1.0.0", 1],
    ["1.10.0", "1.9.0", 1],
    ["0.9.9", "1.0.0", -1],
    ["garbage", "0.0.0", -1],
  ];
  for (const [a, b, sign] of cases) assert.equal(Math.sign(compareSemver(a, b)), sign, `${a} vs ${b}`);
});

test("checkCompatibility: refuses old peers and peers that refuse us, with clear messages", () => {
  const client = { version: "1.2.0", minPeerVersion: "1.1.0" };
  assert.equal(checkCompatibility({ protocolVersion: "1.1.0", minClientVersion: "1.0.0" }, client), undefined);
  assert.equal(checkCompatibility({ protocolVersion: "2.0.0", minClientVersion: "" }, client), undefined);
  assert.match(
    checkCompatibility({ protocolVersion: "1.0.9", minClientVersion: "1.0.0" }, client) ?? "",
    /older than 1\.1\.0.*upgrade the peer/,
  );
  assert.match(
    checkCompatibility({ protocolVersion: "1.3.0", minClientVersion: "1.3.0" }, client) ?? "",
    /upgrade this client/,
  );
  assert.match(
    checkCompatibility({ protocolVersion: "x", minClientVersion: "" }, client) ?? "",
    /invalid protocol version/,
  );
});
