import { test } from "node:test";
import assert from "node:assert/strict";
import { Code, ConnectError } from "@connectrpc/connect";
import {
  codeName,
  httpStatusFor,
  notFound,
  resourceExhausted,
  RETRY_AFTER_MS_HEADER,
  toConnectError,
} from "../../server/errors.js";
import { FileChangedError } from "../../common/files/file-reader.js";
import { InvalidPageTokenError } from "../../server/catalog/page-token.js";

test("toConnectError maps domain errors and hides the rest", () => {
  const passthrough = new ConnectError("x", Code.NotFound);
  assert.equal(toConnectError(passthrough), passthrough);
  assert.equal(toConnectError(new FileChangedError()).code, Code.Aborted);
  assert.equal(toConnectError(new InvalidPageTokenError()).code, Code.InvalidArgument);
  const abort = new DOMException("aborted", "AbortError");
  assert.equal(toConnectError(abort).code, Code.Canceled);
  const raw = new Error("EACCES: permission denied, open '/secret/path'");
  const mapped = toConnectError(raw);
  assert.equal(mapped.code, Code.Internal);
  assert.ok(!mapped.message.includes("/secret/path"), "no OS detail to the client");
  assert.equal(mapped.cause, raw, "detail kept for the log");
  assert.equal(toConnectError("a string").code, Code.Internal);
});

test("httpStatusFor: one row per code", () => {
  const cases: Array<[Code, number]> = [
    [Code.InvalidArgument, 400],
    [Code.Unauthenticated, 401],
    [Code.PermissionDenied, 403],
    [Code.NotFound, 404],
    [Code.Aborted, 409],
    [Code.FailedPrecondition, 412],
    [Code.OutOfRange, 416],
    [Code.ResourceExhausted, 429],
    [Code.Canceled, 499],
    [Code.Internal, 500],
    [Code.Unimplemented, 501],
    [Code.Unavailable, 503],
    [Code.DeadlineExceeded, 504],
  ];
  for (const [code, status] of cases) assert.equal(httpStatusFor(code), status, Code[code]);
});

test("codeName is gRPC's snake case", () => {
  assert.equal(codeName(Code.NotFound), "not_found");
  assert.equal(codeName(Code.ResourceExhausted), "resource_exhausted");
  assert.equal(codeName(Code.Aborted), "aborted");
});

test("helpers: NOT_FOUND does not echo long ids; RESOURCE_EXHAUSTED carries the hint", () => {
  assert.ok(notFound("s/" + "x".repeat(5000)).message.length < 400);
  const e = resourceExhausted(750, "key");
  assert.equal(e.code, Code.ResourceExhausted);
  assert.equal(e.metadata.get(RETRY_AFTER_MS_HEADER), "750");
});
