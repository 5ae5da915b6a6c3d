import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { formatSize, GROUPS, parseBenchArgs, parseSize } from "../../bench/options.js";

const MiB = 1048576;
const GiB = 1073741824;

describe("parseSize", () => {
  const good: Array<[string, number]> = [
    ["1g", GiB],
    ["64m", 64 * MiB],
    ["64M", 64 * MiB],
    ["512k", 512 * 1024],
    ["4GiB", 4 * GiB],
    ["2mb", 2 * MiB],
    ["1048576", MiB],
    ["1.5m", 1.5 * MiB],
    [" 8m ", 8 * MiB],
  ];
  for (const [text, want] of good) it(`reads "${text}"`, () => assert.equal(parseSize(text), want));
  const bad = ["", "m", "-1m", "1x", "1 g g", "0", "1e3"];
  for (const text of bad) {
    it(`refuses "${text}" and says how to write a size`, () => {
      assert.throws(() => parseSize(text), /size/);
    });
  }
});

describe("formatSize", () => {
  const cases: Array<[number, string]> = [
    [0, "0 B"],
    [1023, "1023 B"],
    [64 * 1024, "64 KiB"],
    [GiB, "1 GiB"],
    [1.5 * MiB, "1.5 MiB"],
    [62.5 * MiB, "62.5 MiB"],
  ];
  for (const [n, want] of cases) it(`${n} → ${want}`, () => assert.equal(formatSize(n), want));
});

describe("parseBenchArgs", () => {
  it("defaults: 1 GiB, 64 MiB range, 7 samples, every group, 4 GiB client download", () => {
    const o = parseBenchArgs([]);
    assert.equal(o.quick, false);
    assert.equal(o.size, GiB);
    assert.equal(o.rangeSize, 64 * MiB);
    assert.equal(o.samples, 7);
    assert.deepEqual(o.groups, [...GROUPS]);
    assert.equal(o.bigDownloadSize, 4 * GiB);
    assert.equal(o.stalledFileSize, 256 * MiB);
    assert.equal(o.stalledReaders, 32);
    assert.equal(o.smallFiles, 1000);
    assert.equal(o.smallConcurrency, 8);
  });
  it("--quick shrinks sizes and samples", () => {
    const o = parseBenchArgs(["--quick"]);
    assert.equal(o.quick, true);
    assert.ok(o.size <= 64 * MiB);
    assert.ok(o.samples >= 1 && o.samples < 7);
    assert.ok(o.smallFiles < 1000);
    assert.equal(o.bigDownloadSize, o.size);
  });
  it("--size also sizes the client download unless --big-download is given", () => {
    assert.equal(parseBenchArgs(["--size", "256m"]).bigDownloadSize, 256 * MiB);
    assert.equal(parseBenchArgs(["--size=256m", "--big-download=1g"]).bigDownloadSize, GiB);
  });
  it("a range larger than a small --size is clamped by default", () => {
    assert.equal(parseBenchArgs(["--size", "16m"]).rangeSize, 16 * MiB);
  });
  it("an explicit range larger than the file is refused", () => {
    assert.throws(() => parseBenchArgs(["--size", "16m", "--range-size", "32m"]), /must not exceed/);
  });
  it("--only keeps the canonical order and drops duplicates", () => {
    assert.deepEqual(parseBenchArgs(["--only", "memory,http,http"]).groups, ["http", "memory"]);
  });
  const bad: Array<[string, string[], RegExp]> = [
    ["unknown group", ["--only", "disk"], /unknown group "disk"/],
    ["empty --only", ["--only", ","], /needs a group name/],
    ["missing value", ["--samples"], /needs a value/],
    ["zero samples", ["--samples", "0"], /whole number >= 1/],
    ["fractional samples", ["--samples", "2.5"], /whole number >= 1/],
    ["unknown flag", ["--fast"], /unknown option "--fast"/],
    ["bad size", ["--size", "big"], /cannot read size "big"/],
  ];
  for (const [name, argv, re] of bad) it(`refuses ${name}`, () => assert.throws(() => parseBenchArgs(argv), re));
  it("--help", () => assert.equal(parseBenchArgs(["--help"]).help, true));
});
