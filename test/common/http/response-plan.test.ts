import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { formatHttpDate, parseHttpDate } from "../../../common/http/http-date.js";
import { planResponse, type FileFacts } from "../../../common/http/response-plan.js";
import { CASES, fileBytes, fillHeaders } from "../../server/http/helpers/cases.js";
import { parseMultipart } from "../../server/http/helpers/multipart.js";
import { renderPlan } from "../../server/http/helpers/render-plan.js";

const MODIFIED = Date.UTC(2025, 5, 1, 12, 0, 0) + 250;
const facts = (size: number, extra: Partial<FileFacts> = {}): FileFacts => ({
  size,
  etag: `"${size.toString(16)}-abc"`,
  modified: MODIFIED,
  contentType: "application/octet-stream",
  name: "file.bin",
  ...extra,
});

describe("planResponse: every row of docs/http.md", () => {
  for (const row of CASES) {
    test(row.name, () => {
      const file = facts(row.size);
      const bytes = fileBytes(row.size);
      const headers = fillHeaders(row.headers, file.etag, MODIFIED);
      const plan = planResponse({ method: "GET", headers, file, boundary: "b0undary" });
      const head = planResponse({ method: "HEAD", headers, file, boundary: "b0undary" });
      assert.deepEqual(head, plan, "HEAD decides exactly like GET");
      assert.equal(plan.status, row.expect.status);
      const h = plan.headers;
      const body = renderPlan(plan, bytes);
      if (plan.status !== 304) assert.equal(h["Content-Length"], String(body.length), "exact Content-Length");
      if (plan.status === 200 || plan.status === 206 || plan.status === 304) {
        assert.equal(h["ETag"], file.etag);
        assert.equal(parseHttpDate(h["Last-Modified"]!), Math.floor(MODIFIED / 1000) * 1000);
        assert.equal(h["Cache-Control"], "private");
      }
      switch (plan.status) {
        case 200:
          assert.equal(h["Content-Range"], undefined);
          assert.equal(h["Accept-Ranges"], "bytes");
          assert.deepEqual(body, bytes);
          break;
        case 206: {
          const ranges = row.expect.ranges!;
          if (ranges.length === 1) {
            const [[first, last]] = ranges as [[number, number]];
            assert.equal(h["Content-Range"], `bytes ${first}-${last}/${row.size}`);
            assert.equal(h["Content-Type"], file.contentType);
            assert.deepEqual(body, bytes.subarray(first, last + 1));
          } else {
            assert.equal(h["Content-Range"], undefined, "no top-level Content-Range on multipart");
            const parts = parseMultipart(body, h["Content-Type"]!);
            assert.deepEqual(
              parts.map((p) => [p.first, p.last]),
              ranges,
            );
            for (const p of parts) {
              assert.equal(p.contentType, file.contentType);
              assert.equal(p.size, row.size);
              assert.deepEqual(p.body, bytes.subarray(p.first, p.last + 1));
            }
          }
          break;
        }
        case 304:
          assert.equal(h["Content-Length"], undefined);
          assert.equal(h["Content-Type"], undefined);
          assert.equal(body.length, 0);
          break;
        case 416:
          assert.equal(h["Content-Range"], `bytes */${row.size}`);
          assert.ok(body.length < 100, "small body");
          break;
        case 412:
          assert.ok(body.length < 100, "small body");
          break;
      }
    });
  }
});

describe("planResponse: other fields", () => {
  test("digest fields when the SHA-256 is known, on 200 and 206", () => {
    const sha256 = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";
    for (const headers of [{}, { range: "bytes=0-0" }]) {
      const plan = planResponse({ method: "GET", headers, file: facts(10, { sha256 }), boundary: "b" });
      assert.equal(plan.headers["Repr-Digest"], "sha-256=:47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=:");
      assert.equal(plan.headers["X-Content-SHA256"], sha256);
    }
  });
  test("no digest fields when unknown or malformed", () => {
    for (const sha256 of [undefined, "zz", "E3B0"]) {
      const plan = planResponse({ method: "GET", headers: {}, file: facts(10, { sha256 }), boundary: "b" });
      assert.equal(plan.headers["Repr-Digest"], undefined);
      assert.equal(plan.headers["X-Content-SHA256"], undefined);
    }
  });
  test("Content-Disposition carries the name safely; media is inline", () => {
    const plan = planResponse({
      method: "GET",
      headers: {},
      file: facts(10, { name: 'é"\r\n.mp4', contentType: "video/mp4" }),
      boundary: "b",
    });
    assert.equal(
      plan.headers["Content-Disposition"],
      `inline; filename=____.mp4; filename*=UTF-8''%C3%A9%22%0D%0A.mp4`,
    );
    assert.equal(plan.headers["Content-Type"], "video/mp4");
  });
  test("a multipart body larger than the file plus the slack is refused (200)", () => {
    // Two 1-byte parts of a 100-byte file: about 200 bytes of multipart.
    const headers = { range: "bytes=0-0,99-99" };
    assert.equal(planResponse({ method: "GET", headers, file: facts(100), boundary: "b" }).status, 206);
    const refused = planResponse({ method: "GET", headers, file: facts(100), boundary: "b", multipartSlack: 0 });
    assert.equal(refused.status, 200);
    assert.equal(refused.headers["Content-Length"], "100");
  });
  test("the boundary is used as given, and only for multipart", () => {
    const multi = planResponse({
      method: "GET",
      headers: { range: "bytes=0-0,500-500" },
      file: facts(1000),
      boundary: "XyZ",
    });
    assert.equal(multi.headers["Content-Type"], "multipart/byteranges; boundary=XyZ");
  });
});

describe("regressions named after the anchors' bugs (docs/http.md, last section)", () => {
  const file = facts(1000);
  const lm = formatHttpDate(MODIFIED);
  const later = formatHttpDate(MODIFIED + 60_000);
  const status = (headers: Record<string, string>, f: FileFacts = file): number =>
    planResponse({ method: "GET", headers, file: f, boundary: "b" }).status;
  const cases: [string, Record<string, string>, number, FileFacts?][] = [
    ["Go: 416 for an unknown unit → ignore (200)", { range: "items=0-1" }, 200],
    ["Go: 416 for 'Bytes=' → units are case-insensitive (206)", { range: "Bytes=0-1" }, 206],
    ["Go: broken 206 for bytes=-0 → 416", { range: "bytes=-0" }, 416],
    ["Go: broken 206 for a suffix on an empty file → 200", { range: "bytes=-5" }, 200, facts(0)],
    [
      "nginx: stale IUS beats a matching If-Match → If-Match wins (200)",
      { "if-match": file.etag, "if-unmodified-since": formatHttpDate(MODIFIED - 60_000) },
      200,
    ],
    ["send: 416 for a suffix longer than the file → 206 of the whole file", { range: "bytes=-5000" }, 206],
    [
      "send: weak ETag honoured by If-Range → ignore the Range (200)",
      { range: "bytes=0-1", "if-range": `W/${file.etag}` },
      200,
    ],
    [
      "send: any later date honoured by If-Range → ignore the Range (200)",
      { range: "bytes=0-1", "if-range": later },
      200,
    ],
    ["jack: 416 for an inverted range → ignore (200)", { range: "bytes=5-2" }, 200],
    ["jack: case-sensitive 'bytes' → 206", { range: "BYTES=0-1" }, 206],
    ["jack: multi-range ignored → multipart 206", { range: "bytes=0-1,500-501" }, 206],
    ["exact If-Range date still honoured", { range: "bytes=0-1", "if-range": lm }, 206],
  ];
  for (const [name, headers, expected, f] of cases) test(name, () => assert.equal(status(headers, f), expected));
  test("jack: no validators → ETag and Last-Modified on every 200/206/304", () => {
    for (const headers of [{}, { range: "bytes=0-1" }, { "if-none-match": file.etag }]) {
      const plan = planResponse({ method: "GET", headers, file, boundary: "b" });
      assert.equal(plan.headers["ETag"], file.etag);
      assert.equal(plan.headers["Last-Modified"], lm);
    }
  });
  test("jack: unescaped filename → quotes and CR/LF never reach the header", () => {
    const plan = planResponse({ method: "GET", headers: {}, file: facts(1, { name: 'a"\r\nb' }), boundary: "b" });
    assert.match(
      plan.headers["Content-Disposition"] ?? "",
      /^attachment; filename=a___b; filename\*=UTF-8''a%22%0D%0Ab$/,
    );
  });
});
