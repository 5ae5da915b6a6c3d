import { test } from "node:test";
import assert from "node:assert/strict";
import { Code, ConnectError } from "@connectrpc/connect";
import { classify, DownloadError, HttpStatusError } from "../../client/errors.js";

function errno(code: string): Error {
  return Object.assign(new Error(`${code}: something`), { code });
}

test("classify: the transient/permanent table of docs/downloads.md", () => {
  const cases: Array<{ name: string; err: unknown; code: string; action: string }> = [
    { name: "UNAVAILABLE", err: new ConnectError("x", Code.Unavailable), code: "unavailable", action: "retry" },
    {
      name: "DEADLINE_EXCEEDED",
      err: new ConnectError("x", Code.DeadlineExceeded),
      code: "deadline-exceeded",
      action: "retry",
    },
    { name: "ABORTED", err: new ConnectError("x", Code.Aborted), code: "aborted", action: "retry" },
    {
      name: "RESOURCE_EXHAUSTED",
      err: new ConnectError("x", Code.ResourceExhausted),
      code: "resource-exhausted",
      action: "retry",
    },
    { name: "INTERNAL", err: new ConnectError("x", Code.Internal), code: "internal", action: "retry" },
    { name: "UNKNOWN", err: new ConnectError("x", Code.Unknown), code: "internal", action: "retry" },
    { name: "NOT_FOUND", err: new ConnectError("x", Code.NotFound), code: "not-found", action: "fail" },
    {
      name: "PERMISSION_DENIED",
      err: new ConnectError("x", Code.PermissionDenied),
      code: "permission-denied",
      action: "fail",
    },
    {
      name: "UNAUTHENTICATED",
      err: new ConnectError("x", Code.Unauthenticated),
      code: "unauthenticated",
      action: "fail",
    },
    {
      name: "INVALID_ARGUMENT",
      err: new ConnectError("x", Code.InvalidArgument),
      code: "invalid-argument",
      action: "fail",
    },
    { name: "OUT_OF_RANGE", err: new ConnectError("x", Code.OutOfRange), code: "out-of-range", action: "fail" },
    { name: "UNIMPLEMENTED", err: new ConnectError("x", Code.Unimplemented), code: "unimplemented", action: "fail" },
    {
      name: "FAILED_PRECONDITION = changed",
      err: new ConnectError("x", Code.FailedPrecondition),
      code: "changed",
      action: "restart",
    },
    { name: "CANCELED", err: new ConnectError("x", Code.Canceled), code: "cancelled", action: "cancel" },
    { name: "ECONNRESET", err: errno("ECONNRESET"), code: "network", action: "retry" },
    { name: "ECONNREFUSED", err: errno("ECONNREFUSED"), code: "network", action: "retry" },
    { name: "EPIPE", err: errno("EPIPE"), code: "network", action: "retry" },
    { name: "ENOSPC pauses", err: errno("ENOSPC"), code: "disk-full", action: "pause" },
    { name: "EDQUOT pauses", err: errno("EDQUOT"), code: "disk-full", action: "pause" },
    {
      name: "ENOSPC deep in a ConnectError cause",
      err: new ConnectError("x", Code.Internal, undefined, undefined, errno("ENOSPC")),
      code: "disk-full",
      action: "pause",
    },
    {
      name: "network errno under a ConnectError wins over its code",
      err: new ConnectError("x", Code.Aborted, undefined, undefined, errno("ECONNRESET")),
      code: "network",
      action: "retry",
    },
    {
      name: "AbortError",
      err: Object.assign(new Error("aborted"), { name: "AbortError" }),
      code: "cancelled",
      action: "cancel",
    },
    {
      name: "a DownloadError passes through",
      err: new DownloadError("unsafe-name", "x"),
      code: "unsafe-name",
      action: "fail",
    },
    {
      name: "a DownloadError in the cause chain",
      err: new Error("wrap", { cause: new DownloadError("idle-timeout", "x") }),
      code: "idle-timeout",
      action: "retry",
    },
    { name: "a plain Error", err: new Error("boom"), code: "internal", action: "retry" },
    { name: "a string", err: "boom", code: "internal", action: "retry" },
    {
      name: "a cyclic cause chain terminates",
      err: (() => {
        const e: Error & { cause?: unknown } = new Error("a");
        e.cause = e;
        return e;
      })(),
      code: "internal",
      action: "retry",
    },
  ];
  for (const c of cases) {
    const got = classify(c.err);
    assert.equal(got.code, c.code, c.name);
    assert.equal(got.action, c.action, c.name);
    assert.equal(got.retryable, c.action === "retry", c.name);
  }
});

test("classify: HTTP statuses", () => {
  const cases: Array<[number, string, string]> = [
    [408, "http-transient", "retry"],
    [429, "http-transient", "retry"],
    [500, "http-transient", "retry"],
    [502, "http-transient", "retry"],
    [503, "http-transient", "retry"],
    [504, "http-transient", "retry"],
    [507, "http-transient", "retry"],
    [400, "http-permanent", "fail"],
    [401, "unauthenticated", "fail"],
    [403, "permission-denied", "fail"],
    [404, "not-found", "fail"],
    [410, "not-found", "fail"],
    [418, "http-permanent", "fail"],
    [412, "changed", "restart"],
  ];
  for (const [status, code, action] of cases) {
    const got = classify(new HttpStatusError(status, undefined));
    assert.deepEqual([got.code, got.action, got.status], [code, action, status], String(status));
  }
});

test("classify: retry hints from Retry-After and the retry-after-ms trailer", () => {
  const now = Date.parse("Wed, 21 Oct 2015 07:28:00 GMT");
  assert.equal(classify(new HttpStatusError(429, "3"), now).retryAfterMs, 3000);
  assert.equal(classify(new HttpStatusError(503, "Wed, 21 Oct 2015 07:28:05 GMT"), now).retryAfterMs, 5000);
  assert.equal(classify(new HttpStatusError(503, "junk"), now).retryAfterMs, undefined);
  const rpc = new ConnectError("busy", Code.ResourceExhausted, new Headers({ "retry-after-ms": "250" }));
  assert.equal(classify(rpc).retryAfterMs, 250);
});
