/** The checks of enqueue's extra sources and of mirror URLs: tables, hostile inputs first. */
import { test } from "node:test";
import assert from "node:assert/strict";
import { DownloadError } from "../../../client/errors.js";
import { keyRef } from "../../../client/remotes/key-ref.js";
import { checkMirrorUrl } from "../../../client/sources/mirror-url.js";
import { MAX_JOB_SOURCES, planSources, type SourcesInput } from "../../../client/sources/plan-sources.js";

const mirrorCases: Array<[string, unknown, string | RegExp]> = [
  ["not a string", 42, /http:\/\/ or https:\/\/ URL of the file/],
  ["empty", "", /http:\/\/ or https:\/\/ URL of the file/],
  ["blank", "   ", /http:\/\/ or https:\/\/ URL of the file/],
  ["not a URL", "mirror.example/file", /is not a URL/],
  ["ftp", "ftp://mirror.example/file", /http:\/\/ or https:\/\/ URL, got "ftp:"/],
  ["file", "file:///etc/passwd", /got "file:"/],
  ["javascript", "javascript:alert(1)", /got "javascript:"/],
  ["user and password", "https://u:p@mirror.example/file", /user name or password.*peer downloads show/],
  ["user only", "https://u@mirror.example/file", /user name or password/],
  ["plain https", "https://mirror.example/pub/film.mkv", "https://mirror.example/pub/film.mkv"],
  ["the fragment is dropped", "https://mirror.example/f#part", "https://mirror.example/f"],
  ["normalised: case of the host, default port", "HTTP://Mirror.Example:80/a b", "http://mirror.example/a%20b"],
  ["a query string stays", "https://cdn.example/f?sig=abc", "https://cdn.example/f?sig=abc"],
  ["surrounding spaces", "  http://127.0.0.1:8000/f  ", "http://127.0.0.1:8000/f"],
];

for (const [name, input, want] of mirrorCases) {
  test(`mirror URL: ${name}`, () => {
    const r = checkMirrorUrl(input);
    if (typeof want === "string") assert.deepEqual(r, { ok: true, value: want });
    else {
      assert.equal(r.ok, false);
      assert.match((r as { error: string }).error, want);
    }
  });
}

const primaryUrl = "http://10.0.0.1:8080";
const base: SourcesInput = { primaryUrl, defaultTransport: "connect" };
const many = (n: number) => Array.from({ length: n }, (_, i) => `https://m${i}.example/f`);

const invalid: Array<[string, Partial<SourcesInput>, RegExp]> = [
  ["sources not an array", { sources: "http://x" as never }, /sources must be an array/],
  ["mirrors not an array", { mirrors: "http://x" as never }, /mirrors must be an array/],
  ["a source that is not an object", { sources: [null as never] }, /each source is a peer/],
  ["a source without a URL", { sources: [{ key: "k" } as never] }, /each source is a peer/],
  ["a source with a bad URL", { sources: [{ url: "nope", key: "k" }] }, /not a URL/],
  ["a source with credentials in its URL", { sources: [{ url: "http://u:p@h:1", key: "k" }] }, /not in the URL/],
  ["a source without a key", { sources: [{ url: "http://h:1", key: "" }] }, /http:\/\/h:1 has no API key/],
  [
    "a source with an unknown transport",
    { sources: [{ url: "http://h:1", key: "k", transport: "smoke" as never }] },
    /unknown transport "smoke"/,
  ],
  ["a bad mirror", { mirrors: ["ftp://m/f"] }, /got "ftp:"/],
  [
    "a mirror that is also a source",
    { sources: [{ url: "http://h:1", key: "k" }], mirrors: ["http://h:1"] },
    /both as a peer and as a mirror/,
  ],
  ["a mirror that is the peer itself", { mirrors: [primaryUrl] }, /both as a peer and as a mirror/],
  ["too many mirrors", { mirrors: many(MAX_JOB_SOURCES) }, /at most 16 sources.*got 17/],
];

for (const [name, input, want] of invalid) {
  test(`sources refused: ${name}`, () => {
    assert.throws(
      () => planSources({ ...base, ...input }),
      (e: unknown) => e instanceof DownloadError && e.code === "invalid-argument" && want.test(e.message),
    );
  });
}

test("sources: normalised, duplicates and the primary dropped, keys fingerprinted, default transport", () => {
  const plan = planSources({
    ...base,
    sources: [
      { url: "http://10.0.0.2:8080/", key: "k2" },
      { url: "http://10.0.0.2:8080", key: "k2-again" },
      { url: `${primaryUrl}/`, key: "kp" },
      { url: "https://laptop.lan:8443", key: "k3", transport: "grpc" },
    ],
    mirrors: ["https://m.example/f", "https://m.example/f#x"],
  });
  assert.deepEqual(plan.peers, [
    { url: "http://10.0.0.2:8080", key: "k2", keyRef: keyRef("k2"), transport: "connect" },
    { url: "https://laptop.lan:8443", key: "k3", keyRef: keyRef("k3"), transport: "grpc" },
  ]);
  assert.deepEqual(plan.mirrors, ["https://m.example/f"]);
});

test("sources: exactly 16 in all is accepted; none at all is fine", () => {
  assert.equal(planSources({ ...base, mirrors: many(MAX_JOB_SOURCES - 1) }).mirrors.length, 15);
  assert.deepEqual(planSources(base), { peers: [], mirrors: [] });
});
