/** The remotes file's format: round trip, and damaged files refused without quoting them. */
import { test } from "node:test";
import assert from "node:assert/strict";
import { formatRemotes, parseRemotes, type Remote } from "../../../client/remotes/remotes-format.js";

const SECRET = "peer_0123456789abcdef_SECRETSECRETSECRETSECRETSECRETSECRETSECRET";
const nas: Remote = { name: "nas", url: "http://10.0.0.2:8080", key: SECRET, addedAt: "2026-01-01T00:00:00.000Z" };
const attic: Remote = { name: "attic", url: "https://attic.lan", key: "k2", addedAt: "2026-01-02T00:00:00.000Z" };

test("format then parse gives the same remotes, sorted by name", () => {
  const text = formatRemotes([nas, attic]);
  assert.ok(text.endsWith("\n"));
  assert.deepEqual(parseRemotes(text), { ok: true, value: [attic, nas] });
  assert.deepEqual(parseRemotes(formatRemotes([])), { ok: true, value: [] });
});

test("parseRemotes refuses damaged files and never quotes them", () => {
  const entry = (patch: Record<string, unknown>) => JSON.stringify({ version: 1, remotes: [{ ...nas, ...patch }] });
  const cases: Array<[string, string, RegExp]> = [
    ["not JSON, the key in the text", `{"version":1,"remotes":[{"key":"${SECRET}"`, /not valid JSON/],
    ["empty file", "", /not valid JSON/],
    ["an array", "[]", /version 1/],
    ["another version", JSON.stringify({ version: 2, remotes: [] }), /version 1/],
    ["remotes not a list", JSON.stringify({ version: 1, remotes: {} }), /version 1/],
    ["entry not an object", JSON.stringify({ version: 1, remotes: [SECRET] }), /entry 1: not an object/],
    ["missing key", entry({ key: undefined }), /"key" is missing/],
    ["number as URL", entry({ url: 8080 }), /"url" is missing or not a string/],
    ["bad name", entry({ name: "Bad Name" }), /entry 1:.*not a remote name/],
    ["ftp URL", entry({ url: "ftp://x" }), /not http/],
    ["key with a newline", entry({ key: `${SECRET}\nX-Evil: 1` }), /key of "nas" is not usable/],
    [
      "a name twice",
      JSON.stringify({ version: 1, remotes: [nas, { ...nas, key: "other" }] }),
      /entry 2: the name "nas" appears twice/,
    ],
  ];
  for (const [name, text, want] of cases) {
    const r = parseRemotes(text);
    assert.equal(r.ok, false, name);
    if (!r.ok) {
      assert.match(r.error, want, name);
      assert.ok(!r.error.includes("SECRET"), `${name}: the error does not quote the key`);
    }
  }
});

test("unknown fields are dropped on parse (never echoed back into the file)", () => {
  const text = JSON.stringify({ version: 1, remotes: [{ ...nas, note: "x" }] });
  assert.deepEqual(parseRemotes(text), { ok: true, value: [nas] });
});
