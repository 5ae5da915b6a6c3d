import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { DEFAULT_RANGE_LIMITS, parseRange, type RangeResult } from "../../../common/http/range.js";

const N = 1000;
const r = (...pairs: [number, number][]): RangeResult => ({
  kind: "ranges",
  ranges: pairs.map(([first, last]) => ({ first, last })),
});
const none = (reason: string): RangeResult => ({ kind: "none", reason }) as RangeResult;
const unsat: RangeResult = { kind: "unsatisfiable" };

// [name, header, size, expected]; hostile inputs first, then every row of docs/http.md.
const cases: [string, string | undefined, number, RangeResult][] = [
  ["huge last-pos clamps to the whole file", "bytes=0-99999999999999999999", N, r([0, N - 1])],
  ["huge first-pos is unsatisfiable", "bytes=99999999999999999999-", N, unsat],
  ["huge suffix is the whole file", "bytes=-99999999999999999999", N, r([0, N - 1])],
  ["hundreds of digits", `bytes=${"9".repeat(400)}-`, N, unsat],
  ["leading zeros", "bytes=0002-0004", N, r([2, 4])],
  ["double dash", "bytes=--1", N, none("invalid")],
  ["three numbers", "bytes=1-2-3", N, none("invalid")],
  ["letters", "bytes=abc", N, none("invalid")],
  ["space instead of =", "bytes 0-1", N, none("invalid")],
  ["no = at all", "bytes", N, none("invalid")],
  ["empty set", "bytes=", N, none("invalid")],
  ["only commas", "bytes=,,,", N, none("invalid")],
  ["negative first", "bytes=-1-5", N, none("invalid")],
  ["plus sign", "bytes=+1-5", N, none("invalid")],
  ["hex", "bytes=0x10-0x20", N, none("invalid")],
  ["decimal point", "bytes=1.5-2", N, none("invalid")],
  ["unicode digits", "bytes=\u0661-\u0662", N, none("invalid")],
  ["inner space", "bytes=1 -2", N, none("invalid")],
  ["one bad element spoils the header", "bytes=0-1,x", N, none("invalid")],
  ["inverted range", "bytes=5-2", N, none("invalid")],
  ["inverted among good ones", "bytes=0-1,5-2", N, none("invalid")],
  ["empty unit", "=0-1", N, none("invalid")],
  ["unit with space", "by tes=0-1", N, none("invalid")],
  ["unknown unit", "items=0-1", N, none("unit")],
  ["unknown unit, bad syntax", "items=zz", N, none("unit")],
  ["absent", undefined, N, none("absent")],
  // Single ranges.
  ["first byte", "bytes=0-0", N, r([0, 0])],
  ["middle", "bytes=2-4", N, r([2, 4])],
  ["open-ended", "bytes=10-", N, r([10, N - 1])],
  ["bytes=0- is a 206 of the whole file", "bytes=0-", N, r([0, N - 1])],
  ["suffix", "bytes=-10", N, r([N - 10, N - 1])],
  ["suffix equal to size", `bytes=-${N}`, N, r([0, N - 1])],
  ["suffix longer than the file", `bytes=-${N + 5}`, N, r([0, N - 1])],
  ["last beyond the end clamps", `bytes=990-${N + 100}`, N, r([990, N - 1])],
  ["last exactly at the end", `bytes=990-${N - 1}`, N, r([990, N - 1])],
  ["first at size", `bytes=${N}-`, N, unsat],
  ["first beyond size", `bytes=${N + 1}-${N + 5}`, N, unsat],
  ["suffix zero", "bytes=-0", N, unsat],
  ["several suffix zeros", "bytes=-0,-0", N, unsat],
  ["unit case-insensitive", "Bytes=2-4", N, r([2, 4])],
  ["unit upper case", "BYTES=2-4", N, r([2, 4])],
  ["OWS after =", "bytes= 2-4", N, r([2, 4])],
  ["OWS and tabs around elements", "bytes=0-1 ,\t500-501 ", N, r([0, 1], [500, 501])],
  ["empty elements skipped", "bytes=0-1,,500-501", N, r([0, 1], [500, 501])],
  ["leading comma", "bytes=,2-4", N, r([2, 4])],
  // Several ranges.
  ["multipart in request order", "bytes=500-509,0-9", N, r([500, 509], [0, 9])],
  ["overlapping ranges coalesce", "bytes=0-10,5-20", N, r([0, 20])],
  ["adjacent ranges coalesce", "bytes=0-9,10-19", N, r([0, 19])],
  ["small gap coalesces", "bytes=0-9,50-59", N, r([0, 59])],
  [
    "gap just over the limit stays apart",
    `bytes=0-9,${11 + DEFAULT_RANGE_LIMITS.coalesceGap}-200`,
    N,
    r([0, 9], [91, 200]),
  ],
  ["gap exactly at the limit coalesces", `bytes=0-9,${10 + DEFAULT_RANGE_LIMITS.coalesceGap}-200`, N, r([0, 200])],
  ["duplicates coalesce to one single range", "bytes=2-4,2-4", N, r([2, 4])],
  ["coalesced group keeps its earliest position", "bytes=800-809,0-9,5-15", N, r([800, 809], [0, 15])],
  ["only some satisfiable", `bytes=0-9,${N}-,500-509`, N, r([0, 9], [500, 509])],
  ["none satisfiable", `bytes=${N}-,${N + 10}-,-0`, N, unsat],
  ["suffix plus range", "bytes=0-9,-10", N, r([0, 9], [990, 999])],
  // Abuse limits.
  [
    "33 ranges after coalescing",
    "bytes=" + Array.from({ length: 33 }, (_, i) => `${i * 100}-${i * 100}`).join(","),
    10_000,
    none("too-many"),
  ],
  [
    "32 ranges after coalescing are fine",
    "bytes=" + Array.from({ length: 32 }, (_, i) => `${i * 100}-${i * 100}`).join(","),
    10_000,
    r(...Array.from({ length: 32 }, (_, i): [number, number] => [i * 100, i * 100])),
  ],
  [
    "Apache Killer: many overlapping ranges",
    "bytes=0-," + Array.from({ length: 1000 }, (_, i) => `5-${5 + i}`).join(","),
    N,
    none("overlap"),
  ],
  ["the same whole file twice", "bytes=0-,0-", N, none("overlap")],
  ["more specs than maxSpecs", "bytes=" + Array.from({ length: 1025 }, () => "0-0").join(","), N, none("too-many")],
  // Tiny files.
  ["1-byte file 0-0", "bytes=0-0", 1, r([0, 0])],
  ["1-byte file 0-", "bytes=0-", 1, r([0, 0])],
  ["1-byte file -1", "bytes=-1", 1, r([0, 0])],
  ["1-byte file -5", "bytes=-5", 1, r([0, 0])],
  ["1-byte file 1-", "bytes=1-", 1, unsat],
  ["1-byte file 1-1", "bytes=1-1", 1, unsat],
  ["empty file ignores a valid range", "bytes=0-0", 0, none("empty-file")],
  ["empty file ignores a suffix", "bytes=-5", 0, none("empty-file")],
  ["empty file: invalid is still invalid", "bytes=x", 0, none("invalid")],
];

describe("parseRange", () => {
  for (const [name, header, size, expected] of cases) {
    test(`${name}: ${JSON.stringify(header)?.slice(0, 60)} (size ${size})`, () => {
      assert.deepEqual(parseRange(header, size), expected);
    });
  }

  test("a custom maxRanges is honoured", () => {
    assert.deepEqual(parseRange("bytes=0-0,500-500", N, { ...DEFAULT_RANGE_LIMITS, maxRanges: 1 }), none("too-many"));
  });

  test("a 16 KiB header of digits neither throws nor takes long", () => {
    const header = `bytes=${"1".repeat(16 * 1024)}-`;
    assert.deepEqual(parseRange(header, N), unsat);
  });

  test("sizes beyond 2^32 stay exact", () => {
    const size = 2 ** 40;
    assert.deepEqual(parseRange(`bytes=${2 ** 40 - 2}-`, size), r([2 ** 40 - 2, 2 ** 40 - 1]));
    assert.deepEqual(parseRange("bytes=-3", size), r([size - 3, size - 1]));
  });
});
