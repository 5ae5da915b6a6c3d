import { test } from "node:test";
import assert from "node:assert/strict";
import { checkFileName } from "../../../client/transfer/safe-name.js";
import { checkReadStart } from "../../../client/transfer/check-read-start.js";
import {
  itemPath,
  parseContentLength,
  parseContentRange,
  parseDigestHeaders,
} from "../../../client/transfer/http-response.js";
import { chunkSizeAfterFailures } from "../../../client/transfer/rpc-source.js";
import { createProgressMeter } from "../../../client/events/progress-meter.js";

test("checkFileName: hostile inputs first", () => {
  const bad = [
    "",
    ".",
    "..",
    "a/b",
    "/etc/passwd",
    "..\\x",
    "a\\b",
    "nul\0",
    "line\nfeed",
    "del\u007f",
    " lead",
    "trail ",
    "   ",
    "x".repeat(256),
    "é".repeat(128),
    "movie.part",
  ];
  for (const name of bad) assert.notEqual(checkFileName(name), undefined, JSON.stringify(name));
  const good = [
    "a.txt",
    "..hidden",
    ".bashrc",
    "file name with spaces.mkv",
    "é".repeat(127),
    "x".repeat(255),
    "-dash",
    "a..b",
  ];
  for (const name of good) assert.equal(checkFileName(name), undefined, JSON.stringify(name));
});

const meta = { size: 100, etag: '"v1"', sha256: "aa" };
const expected = { size: 100, etag: '"v1"', sha256: "aa" };

test("checkReadStart: decisions before writing a byte", () => {
  const cases: Array<{
    name: string;
    asked: number;
    start: number;
    meta?: Partial<typeof meta>;
    expected?: Partial<typeof expected>;
    max?: number;
    want: string;
  }> = [
    { name: "all as expected", asked: 40, start: 40, want: "ok" },
    {
      name: "fresh job, nothing known",
      asked: 0,
      start: 0,
      expected: { size: null as never, etag: null as never, sha256: null as never },
      want: "ok",
    },
    { name: "peer ignored the range (HTTP 200)", asked: 40, start: 0, want: "restart-with-body" },
    { name: "peer answered another offset", asked: 40, start: 30, want: "protocol" },
    { name: "etag changed", asked: 40, start: 40, meta: { etag: '"v2"' }, want: "changed" },
    { name: "size changed", asked: 40, start: 40, meta: { size: 101 }, want: "changed" },
    { name: "digest changed under the same etag", asked: 40, start: 40, meta: { sha256: "bb" }, want: "changed" },
    { name: "peer lost its digest: still ok", asked: 40, start: 40, meta: { sha256: undefined }, want: "ok" },
    {
      name: "part longer than the file",
      asked: 120,
      start: 120,
      expected: { size: null as never, etag: null as never },
      want: "changed",
    },
    { name: "no etag from the peer", asked: 0, start: 0, meta: { etag: "" }, want: "protocol" },
    { name: "negative size", asked: 0, start: 0, meta: { size: -1 }, want: "protocol" },
    { name: "over the size limit", asked: 0, start: 0, max: 99, want: "too-large" },
    { name: "at the end of a complete part", asked: 100, start: 100, want: "ok" },
  ];
  for (const c of cases) {
    const got = checkReadStart(c.asked, c.start, { ...meta, ...c.meta }, { ...expected, ...c.expected }, c.max ?? 1e12);
    assert.equal(got.kind, c.want, c.name);
  }
});

test("parseContentRange: RFC 9110 §14.4", () => {
  assert.deepEqual(parseContentRange("bytes 0-0/1"), { kind: "range", first: 0, last: 0, size: 1 });
  assert.deepEqual(parseContentRange("bytes 40-99/100"), { kind: "range", first: 40, last: 99, size: 100 });
  assert.deepEqual(parseContentRange("Bytes 40-99/100"), { kind: "range", first: 40, last: 99, size: 100 });
  assert.deepEqual(parseContentRange("bytes */100"), { kind: "unsatisfied", size: 100 });
  for (const bad of [
    undefined,
    "",
    "bytes 5-2/10",
    "bytes 0-10/10",
    "bytes 0-1/*",
    "items 0-1/2",
    "bytes=0-1/2",
    "bytes 0-1",
    "bytes -1-2/3",
    "bytes 99999999999999999-1/2",
  ]) {
    assert.equal(parseContentRange(bad), undefined, String(bad));
  }
});

test("parseDigestHeaders and parseContentLength", () => {
  const hex = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08";
  assert.equal(parseDigestHeaders(hex.toUpperCase(), undefined), hex);
  const b64 = Buffer.from(hex, "hex").toString("base64");
  assert.equal(parseDigestHeaders(undefined, `sha-512=:x:, sha-256=:${b64}:`), hex);
  assert.equal(parseDigestHeaders("nothex", undefined), undefined);
  assert.equal(parseDigestHeaders(undefined, "sha-256=:short:"), undefined);
  assert.equal(parseContentLength("42"), 42);
  assert.equal(parseContentLength(" 0 "), 0);
  for (const bad of [undefined, "", "-1", "1e3", "12 34", "99999999999999999"])
    assert.equal(parseContentLength(bad), undefined, String(bad));
});

test("itemPath percent-encodes each segment", () => {
  assert.equal(itemPath("share/dir/a b.txt"), "/v1/files/share/dir/a%20b.txt");
  assert.equal(itemPath("s/%2F/é?#"), "/v1/files/s/%252F/%C3%A9%3F%23");
});

test("chunkSizeAfterFailures halves per failure down to 16 KiB", () => {
  assert.deepEqual(
    [0, 1, 2, 3, 6, 7, 50, -1].map(chunkSizeAfterFailures),
    [1048576, 524288, 262144, 131072, 16384, 16384, 16384, 1048576],
  );
});

test("progress meter: speed over a sliding window, ETA, restart resets (fake clock)", () => {
  const m = createProgressMeter(5000);
  assert.deepEqual(m.read(100), { bytesPerSecond: 0, etaSeconds: null });
  m.add(0, 0);
  m.add(1000, 1000);
  m.add(2000, 2000);
  assert.deepEqual(m.read(10_000), { bytesPerSecond: 1000, etaSeconds: 8 });
  assert.equal(m.read(null).etaSeconds, null, "no size, no ETA");
  m.add(10_000, 4000); // old samples leave the window
  assert.deepEqual(m.read(4000), { bytesPerSecond: 250, etaSeconds: 0 });
  m.add(11_000, 0); // a restart from 0
  assert.deepEqual(m.read(4000), { bytesPerSecond: 0, etaSeconds: null });
});
