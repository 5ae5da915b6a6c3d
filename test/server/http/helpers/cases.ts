/**
 * Every row of docs/http.md as data, shared by the pure decision tests and
 * the real-socket tests (GET and HEAD, HTTP/1.1 and h2c), so both check the
 * same table. Header values may hold placeholders filled per file:
 * `{etag}`, `{weak}` (W/ + etag), `{lm}`, `{lm+60}`, `{lm-60}` (HTTP-dates).
 */
import { formatHttpDate } from "../../../../common/http/http-date.js";

/** What a row expects. */
export interface Expect {
  readonly status: 200 | 206 | 304 | 412 | 416;
  /** Inclusive ranges of the body: one for a single 206, several for multipart; omitted for 200 (whole) and errors. */
  readonly ranges?: readonly (readonly [number, number])[];
}

/** One row. */
export interface Case {
  readonly name: string;
  /** File size in bytes (files hold deterministic pseudo-random bytes). */
  readonly size: number;
  readonly headers: Readonly<Record<string, string>>;
  readonly expect: Expect;
}

const N = 1000;
const BIG = 10_000;
const ok: Expect = { status: 200 };
const part = (first: number, last: number): Expect => ({ status: 206, ranges: [[first, last]] });
const unsat: Expect = { status: 416 };

/** The file sizes rows use; tests create one file of each. */
export const CASE_SIZES = [0, 1, 64, N, BIG] as const;

export const CASES: readonly Case[] = [
  // Hostile and invalid first.
  { name: "huge last-pos clamps", size: N, headers: { range: "bytes=0-99999999999999999999" }, expect: part(0, N - 1) },
  { name: "huge first-pos is 416", size: N, headers: { range: "bytes=99999999999999999999-" }, expect: unsat },
  { name: "inverted range is ignored", size: N, headers: { range: "bytes=5-2" }, expect: ok },
  { name: "bytes=abc is ignored", size: N, headers: { range: "bytes=abc" }, expect: ok },
  { name: "bytes=--1 is ignored", size: N, headers: { range: "bytes=--1" }, expect: ok },
  { name: "bytes=1-2-3 is ignored", size: N, headers: { range: "bytes=1-2-3" }, expect: ok },
  { name: "'bytes 0-1' is ignored", size: N, headers: { range: "bytes 0-1" }, expect: ok },
  { name: "unknown unit is ignored", size: N, headers: { range: "items=0-1" }, expect: ok },
  {
    name: "33 ranges are ignored",
    size: BIG,
    headers: { range: "bytes=" + Array.from({ length: 33 }, (_, i) => `${i * 100}-${i * 100}`).join(",") },
    expect: ok,
  },
  {
    name: "32 ranges are served",
    size: BIG,
    headers: { range: "bytes=" + Array.from({ length: 32 }, (_, i) => `${i * 100}-${i * 100 + 1}`).join(",") },
    expect: { status: 206, ranges: Array.from({ length: 32 }, (_, i) => [i * 100, i * 100 + 1] as const) },
  },
  {
    name: "Apache Killer is ignored",
    size: N,
    headers: { range: "bytes=0-," + Array.from({ length: 300 }, (_, i) => `5-${5 + i}`).join(",") },
    expect: ok,
  },
  // Single ranges.
  { name: "no Range", size: N, headers: {}, expect: ok },
  { name: "bytes=0-0", size: N, headers: { range: "bytes=0-0" }, expect: part(0, 0) },
  { name: "bytes=2-4", size: N, headers: { range: "bytes=2-4" }, expect: part(2, 4) },
  { name: "bytes=K-", size: N, headers: { range: "bytes=100-" }, expect: part(100, N - 1) },
  { name: "bytes=0- is 206 of the whole file", size: N, headers: { range: "bytes=0-" }, expect: part(0, N - 1) },
  { name: "suffix -K", size: N, headers: { range: "bytes=-10" }, expect: part(N - 10, N - 1) },
  { name: "suffix -K, K = N", size: N, headers: { range: `bytes=-${N}` }, expect: part(0, N - 1) },
  { name: "suffix -K, K > N", size: N, headers: { range: `bytes=-${N + 1}` }, expect: part(0, N - 1) },
  { name: "last ≥ N clamps", size: N, headers: { range: `bytes=990-${N + 50}` }, expect: part(990, N - 1) },
  { name: "bytes=N- is 416", size: N, headers: { range: `bytes=${N}-` }, expect: unsat },
  { name: "first ≥ N is 416", size: N, headers: { range: `bytes=${N + 5}-${N + 9}` }, expect: unsat },
  { name: "bytes=-0 is 416", size: N, headers: { range: "bytes=-0" }, expect: unsat },
  { name: "Bytes=2-4 (case-insensitive unit)", size: N, headers: { range: "Bytes=2-4" }, expect: part(2, 4) },
  { name: "OWS after =", size: N, headers: { range: "bytes= 2-4" }, expect: part(2, 4) },
  // Several ranges.
  {
    name: "OWS around list elements",
    size: N,
    headers: { range: "bytes=0-1 , 500-501" },
    expect: {
      status: 206,
      ranges: [
        [0, 1],
        [500, 501],
      ],
    },
  },
  {
    name: "empty list elements skipped",
    size: N,
    headers: { range: "bytes=0-1,,500-501" },
    expect: {
      status: 206,
      ranges: [
        [0, 1],
        [500, 501],
      ],
    },
  },
  {
    name: "multipart in request order",
    size: N,
    headers: { range: "bytes=900-909,0-9,400-409" },
    expect: {
      status: 206,
      ranges: [
        [900, 909],
        [0, 9],
        [400, 409],
      ],
    },
  },
  {
    name: "overlapping ranges coalesce into one single part",
    size: N,
    headers: { range: "bytes=0-10,5-20" },
    expect: part(0, 20),
  },
  { name: "adjacent ranges coalesce", size: N, headers: { range: "bytes=10-19,20-29" }, expect: part(10, 29) },
  {
    name: "only some satisfiable",
    size: N,
    headers: { range: `bytes=0-9,${N}-,500-509` },
    expect: {
      status: 206,
      ranges: [
        [0, 9],
        [500, 509],
      ],
    },
  },
  { name: "none satisfiable", size: N, headers: { range: `bytes=${N}-,-0` }, expect: unsat },
  // Validators and preconditions.
  { name: "If-Match matching", size: N, headers: { "if-match": "{etag}" }, expect: ok },
  { name: "If-Match *", size: N, headers: { "if-match": "*" }, expect: ok },
  { name: "If-Match other", size: N, headers: { "if-match": '"nope"' }, expect: { status: 412 } },
  { name: "If-Match weak", size: N, headers: { "if-match": "{weak}" }, expect: { status: 412 } },
  {
    name: "IUS older than Last-Modified",
    size: N,
    headers: { "if-unmodified-since": "{lm-60}" },
    expect: { status: 412 },
  },
  { name: "IUS equal", size: N, headers: { "if-unmodified-since": "{lm}" }, expect: ok },
  {
    name: "If-Match true and stale IUS (nginx bug)",
    size: N,
    headers: { "if-match": "{etag}", "if-unmodified-since": "{lm-60}" },
    expect: ok,
  },
  { name: "If-None-Match matching", size: N, headers: { "if-none-match": "{etag}" }, expect: { status: 304 } },
  { name: "If-None-Match weak matching", size: N, headers: { "if-none-match": "{weak}" }, expect: { status: 304 } },
  { name: "If-None-Match *", size: N, headers: { "if-none-match": "*" }, expect: { status: 304 } },
  { name: "If-None-Match other", size: N, headers: { "if-none-match": '"nope"' }, expect: ok },
  { name: "IMS equal", size: N, headers: { "if-modified-since": "{lm}" }, expect: { status: 304 } },
  { name: "IMS later", size: N, headers: { "if-modified-since": "{lm+60}" }, expect: { status: 304 } },
  { name: "IMS earlier", size: N, headers: { "if-modified-since": "{lm-60}" }, expect: ok },
  { name: "IMS garbage", size: N, headers: { "if-modified-since": "garbage" }, expect: ok },
  {
    name: "IMS ignored when INM present",
    size: N,
    headers: { "if-none-match": '"nope"', "if-modified-since": "{lm+60}" },
    expect: ok,
  },
  { name: "If-Range strong match", size: N, headers: { range: "bytes=2-4", "if-range": "{etag}" }, expect: part(2, 4) },
  { name: "If-Range exact date", size: N, headers: { range: "bytes=2-4", "if-range": "{lm}" }, expect: part(2, 4) },
  { name: "If-Range weak tag", size: N, headers: { range: "bytes=2-4", "if-range": "{weak}" }, expect: ok },
  { name: "If-Range other tag", size: N, headers: { range: "bytes=2-4", "if-range": '"nope"' }, expect: ok },
  {
    name: "If-Range later date (send bug)",
    size: N,
    headers: { range: "bytes=2-4", "if-range": "{lm+60}" },
    expect: ok,
  },
  { name: "If-Range garbage", size: N, headers: { range: "bytes=2-4", "if-range": "garbage" }, expect: ok },
  { name: "If-Range never 412", size: N, headers: { range: `bytes=${N}-`, "if-range": '"nope"' }, expect: ok },
  {
    name: "If-Range true and unsatisfiable is 416",
    size: N,
    headers: { range: `bytes=${N}-`, "if-range": "{etag}" },
    expect: unsat,
  },
  // Tiny files.
  { name: "1-byte 0-0", size: 1, headers: { range: "bytes=0-0" }, expect: part(0, 0) },
  { name: "1-byte 0-", size: 1, headers: { range: "bytes=0-" }, expect: part(0, 0) },
  { name: "1-byte -1", size: 1, headers: { range: "bytes=-1" }, expect: part(0, 0) },
  { name: "1-byte -5", size: 1, headers: { range: "bytes=-5" }, expect: part(0, 0) },
  { name: "1-byte 1-", size: 1, headers: { range: "bytes=1-" }, expect: unsat },
  { name: "1-byte 1-1", size: 1, headers: { range: "bytes=1-1" }, expect: unsat },
  { name: "empty file, no Range", size: 0, headers: {}, expect: ok },
  { name: "empty file, a Range is ignored", size: 0, headers: { range: "bytes=0-0" }, expect: ok },
  { name: "empty file, a suffix is ignored (Go bug)", size: 0, headers: { range: "bytes=-1" }, expect: ok },
  {
    name: "64-byte file: far ends coalesce (gap < part overhead)",
    size: 64,
    headers: { range: "bytes=0-0,63-63" },
    expect: part(0, 63),
  },
  { name: "64-byte file: the same byte twice", size: 64, headers: { range: "bytes=5-5,5-5" }, expect: part(5, 5) },
];

/** Fills the placeholders of a row's header values. */
export function fillHeaders(
  headers: Readonly<Record<string, string>>,
  etag: string,
  lastModified: number,
): Record<string, string> {
  const values: Record<string, string> = {
    "{etag}": etag,
    "{weak}": `W/${etag}`,
    "{lm}": formatHttpDate(lastModified),
    "{lm+60}": formatHttpDate(lastModified + 60_000),
    "{lm-60}": formatHttpDate(lastModified - 60_000),
  };
  return Object.fromEntries(Object.entries(headers).map(([k, v]) => [k, values[v] ?? v]));
}

/** Deterministic content for a file of `size` bytes (so bodies can be compared without reading the disk). */
export function fileBytes(size: number, seed = 7): Buffer {
  const buf = Buffer.alloc(size);
  let x = (seed * 2654435761) >>> 0 || 1;
  for (let i = 0; i < size; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    buf[i] = x & 0xff;
  }
  return buf;
}
