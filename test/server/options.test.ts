import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { resolveServerOptions, shareNameProblem } from "../../server/options.js";
import { resolvePageSize } from "../../server/rpc/list-items.js";

let dir: string;
let file: string;
before(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), "peer-options-"));
  file = path.join(dir, "plain.txt");
  await writeFile(file, "x");
});
after(() => rm(dir, { recursive: true, force: true }));

test("shareNameProblem", () => {
  const cases: Array<[string, boolean]> = [
    ["", false],
    [".", false],
    ["..", false],
    ["a/b", false],
    ["a\\b", false],
    ["a\u0000", false],
    ["tab\there", false],
    ["x".repeat(256), false],
    ["media", true],
    ["My Films", true],
    [".hidden", true],
    ["film-2024_v2", true],
    ["日本", true],
  ];
  for (const [name, ok] of cases) assert.equal(shareNameProblem(name) === undefined, ok, JSON.stringify(name));
});

test("resolveServerOptions: defaults", () => {
  const o = resolveServerOptions({ shares: [{ name: "s", dir }], dataDir: "rel-data" });
  assert.equal(o.host, "127.0.0.1");
  assert.equal(o.port, 8080);
  assert.equal(o.maxStreamsPerKey, 8);
  assert.equal(o.maxStreams, 64);
  assert.equal(o.readMaxBytes, 64 * 1024);
  assert.equal(o.dataDir, path.resolve("rel-data"));
  assert.equal(o.serverName, os.hostname());
  assert.ok(Object.isFrozen(o));
  assert.equal(o.shares[0]?.dir, dir);
});

test("resolveServerOptions: clear errors", () => {
  const cases: Array<[string, Parameters<typeof resolveServerOptions>[0], RegExp]> = [
    ["no shares", { shares: [], dataDir: dir }, /at least one share/],
    ["bad name", { shares: [{ name: "a/b", dir }], dataDir: dir }, /must not contain "\/"/],
    [
      "duplicate",
      {
        shares: [
          { name: "a", dir },
          { name: "a", dir },
        ],
        dataDir: dir,
      },
      /used twice/,
    ],
    ["missing dir", { shares: [{ name: "a", dir: path.join(dir, "nope") }], dataDir: dir }, /does not exist/],
    ["file, not dir", { shares: [{ name: "a", dir: file }], dataDir: dir }, /not a directory/],
    ["no data dir", { shares: [{ name: "a", dir }], dataDir: "" }, /dataDir is required/],
    [
      "port too big",
      { shares: [{ name: "a", dir }], dataDir: dir, port: 70000 },
      /port must be an integer between 0 and 65535/,
    ],
    ["fractional port", { shares: [{ name: "a", dir }], dataDir: dir, port: 1.5 }, /port/],
    ["zero streams", { shares: [{ name: "a", dir }], dataDir: dir, maxStreamsPerKey: 0 }, /maxStreamsPerKey/],
    [
      "half TLS",
      { shares: [{ name: "a", dir }], dataDir: dir, tls: { certFile: "c", keyFile: "" } },
      /both a certificate file and a key file/,
    ],
    ["hash concurrency", { shares: [{ name: "a", dir }], dataDir: dir, hashConcurrency: 9 }, /hashConcurrency/],
  ];
  for (const [name, options, message] of cases) assert.throws(() => resolveServerOptions(options), message, name);
});

test("resolvePageSize", () => {
  const cases: Array<[number, number | undefined]> = [
    [0, 100],
    [1, 1],
    [100, 100],
    [1000, 1000],
    [1001, 1000],
    [2 ** 31 - 1, 1000],
    [-1, undefined],
  ];
  for (const [input, expected] of cases) assert.equal(resolvePageSize(input), expected, String(input));
});
