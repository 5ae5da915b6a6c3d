import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { relativeToRoot, resolveDestination } from "../../service/destination.js";

const ROOT = "/srv/downloads";

describe("resolveDestination", () => {
  const refused: Array<[string, string, RegExp]> = [
    ["parent", "..", /\.\./],
    ["parent inside", "tv/../../etc", /\.\./],
    ["absolute", "/etc", /relative/],
    ["drive letter", "C:/Windows", /relative/],
    ["backslash", "tv\\..\\..", /"\/"/],
    ["NUL", "tv\u0000x", /control/],
    ["newline", "tv\nx", /control/],
    ["escape sequence", "\u001b[2Jtv", /control/],
    ["too long", "a/".repeat(600), /longer than 1024/],
  ];
  for (const [name, input, message] of refused)
    test(`refused: ${name}`, () => {
      const r = resolveDestination(ROOT, input);
      assert.equal(r.ok, false);
      if (!r.ok) assert.match(r.error, message);
    });
  const accepted: Array<[string, string, string]> = [
    ["empty = the root", "", ROOT],
    ["dot", ".", ROOT],
    ["one folder", "tv", `${ROOT}/tv`],
    ["nested, extra slashes", "tv//Show/./S01/", `${ROOT}/tv/Show/S01`],
    ["dots in names", "..hidden/a..b", `${ROOT}/..hidden/a..b`],
    ["unicode", "séries/été", `${ROOT}/séries/été`],
  ];
  for (const [name, input, want] of accepted)
    test(`accepted: ${name}`, () => assert.deepEqual(resolveDestination(ROOT, input), { ok: true, dir: want }));
  test("relativeToRoot", () => {
    assert.equal(relativeToRoot(ROOT, `${ROOT}/tv/a.mkv`), "tv/a.mkv");
  });
});
