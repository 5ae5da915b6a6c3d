/** Which HTTP/2 ReadFile calls take the raw reader (client/transfer/fast-read/raw-h2-choice.ts). */
import assert from "node:assert/strict";
import { test } from "node:test";
import {
  RAW_HTTP2_MIN_READ_BYTES,
  type RawHttp2Question,
  useRawHttp2,
} from "../../../../client/transfer/fast-read/raw-h2-choice.js";

const big = RAW_HTTP2_MIN_READ_BYTES;
const base: RawHttp2Question = { enabled: true, transient: true, protocol: "http:", length: big };

const table: Array<[string, Partial<RawHttp2Question>, boolean]> = [
  ["https: keeps node:http2 (the raw reader speaks cleartext only)", { protocol: "https:" }, false],
  ["a caller that keeps chunks (the whole-file path) keeps node:http2", { transient: false }, false],
  ["switched off by the client", { enabled: false }, false],
  ["a read just under the threshold keeps the session (a folder's small files)", { length: big - 1 }, false],
  ["a 1 MiB read keeps the session", { length: 1024 * 1024 }, false],
  ["a read of exactly the threshold takes the raw reader", {}, true],
  ["a 1 GiB read takes the raw reader", { length: 1024 ** 3 }, true],
  ["a read to the end (length 0: size unknown) takes the raw reader", { length: 0 }, true],
];
for (const [name, change, expected] of table) {
  test(name, () => assert.equal(useRawHttp2({ ...base, ...change }), expected));
}
