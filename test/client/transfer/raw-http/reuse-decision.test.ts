/**
 * client/transfer/raw-http/reuse-decision.ts in a table: when the raw reader keeps a
 * connection for the next request, and for how long. Refusals first.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import {
  keepAliveTimeoutSeconds,
  reuseDecision,
  type ExchangeEnd,
} from "../../../../client/transfer/raw-http/reuse-decision.js";

/** A clean exchange: a Content-Length body read to its end, nothing after it. */
const clean: ExchangeEnd = {
  version: "1.1",
  status: 200,
  connection: undefined,
  keepAlive: undefined,
  framing: "length",
  bodyComplete: true,
  extraBytes: 0,
  readToEnd: true,
  faulted: false,
};

test("a connection is kept only when the exchange ended cleanly, for at most the server's idle time less 1 s", () => {
  const cases: Array<[string, Partial<ExchangeEnd>, number | string]> = [
    ["a fault (error, abort, the server's end or close)", { faulted: true }, "the exchange faulted"],
    ["a fault after a complete body", { faulted: true, bodyComplete: true }, "the exchange faulted"],
    ["an HTTP/1.0 response", { version: "1.0" }, "not an HTTP/1.1 response"],
    ["an HTTP/1.0 response asking for keep-alive", { version: "1.0", connection: "keep-alive" }, "not an HTTP/1.1"],
    ["a 101 never asked for", { status: 101, framing: "none" }, "a protocol switch was never asked for"],
    ["connection: close", { connection: "close" }, "the server closes the connection"],
    ["Connection: Close among other options", { connection: "x-foo,  CLOSE " }, "the server closes"],
    ["a body delimited by the close", { framing: "close" }, "the body ends with the connection"],
    ["a body cut short", { bodyComplete: false }, "the body is not complete"],
    ["a chunked body without its last chunk", { framing: "chunked", bodyComplete: false }, "not complete"],
    ["one byte after the body", { extraBytes: 1 }, "bytes followed the body"],
    ["a second response pushed after the first", { framing: "none", extraBytes: 19 }, "bytes followed the body"],
    ["the body left unread", { readToEnd: false }, "the body was not read to its end"],
    ["a server keeping idle connections 1 s", { keepAlive: "timeout=1" }, "too briefly"],
    ["a server keeping idle connections 0 s", { keepAlive: "timeout=0, max=5" }, "too briefly"],
    ["a Content-Length body", {}, 2000],
    ["a chunked body", { framing: "chunked" }, 2000],
    ["no body (204, 304, length 0)", { framing: "none", status: 204 }, 2000],
    ["an error status with a framed body", { status: 503 }, 2000],
    ["connection: keep-alive", { connection: "keep-alive" }, 2000],
    ["Node's server (timeout=5)", { keepAlive: "timeout=5" }, 2000],
    ["a server keeping idle connections 2 s", { keepAlive: "timeout=2" }, 1000],
    ["a server keeping idle connections 2 s, max first", { keepAlive: "max=100, timeout=2" }, 1000],
    ["an unreadable keep-alive field is ignored", { keepAlive: "timeout=soon" }, 2000],
  ];
  for (const [name, change, want] of cases) {
    const got = reuseDecision({ ...clean, ...change }, 2000);
    if (typeof want === "number") assert.deepEqual(got, { reuse: true, idleMs: want }, name);
    else {
      assert.equal(got.reuse, false, name);
      assert.match(got.reuse ? "" : got.reason, new RegExp(want), name);
    }
  }
});

test("the Keep-Alive timeout parameter", () => {
  const cases: Array<[string | undefined, number | undefined]> = [
    [undefined, undefined],
    ["", undefined],
    ["timeout=-1", undefined],
    ["timeout=1e3", undefined],
    ["timeout=99999999999", undefined],
    ["max=5", undefined],
    ["timeout=5", 5],
    ["Timeout = 7 , max=3", 7],
    ["max=3, timeout=10", 10],
  ];
  for (const [field, want] of cases) assert.equal(keepAliveTimeoutSeconds(field), want, String(field));
});
