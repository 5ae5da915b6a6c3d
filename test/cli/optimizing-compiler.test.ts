import assert from "node:assert/strict";
import { test } from "node:test";
import { type TurbofanUse, turbofanFor } from "../../cli/optimizing-compiler.js";

test("TurboFan stays off for peer get over HTTP/1.1 only", () => {
  const table: [TurbofanUse, boolean][] = [
    [{ command: "get", transport: "connect" }, false],
    [{ command: "get", transport: "http" }, false],
    [{ command: "get", transport: "connect-h2" }, true],
    [{ command: "get", transport: "grpc" }, true],
    [{ command: "serve" }, true],
    [{ command: "downloads run" }, true],
  ];
  for (const [use, on] of table) assert.equal(turbofanFor(use), on, JSON.stringify(use));
});
