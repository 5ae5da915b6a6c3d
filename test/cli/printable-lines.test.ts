import assert from "node:assert/strict";
import { test } from "node:test";
import { printableLines } from "../../cli/format.js";
import { jsonLine } from "../../cli/common.js";

test("printableLines: escapes a peer's text, keeps the CLI's own line breaks", () => {
  const cases: Array<[string, string, string]> = [
    ["title, clear screen, colour", "\u001b]0;x\u0007\u001b[2J\u001b[31m", "\\x1b]0;x\\x07\\x1b[2J\\x1b[31m"],
    ["carriage return (fake line)", "ok\rpeer: all good", "ok\\x0dpeer: all good"],
    ["bidi override", "photo\u202egpj.exe", "photo\\u202egpj.exe"],
    ["line separator", "a\u2028b", "a\\u2028b"],
    ["two lines of ours", "first\nsecond", "first\nsecond"],
    ["plain", "nothing to do", "nothing to do"],
  ];
  for (const [name, input, want] of cases) assert.equal(printableLines(input), want, name);
});

test("jsonLine: the same JSON value, with bidi controls and separators escaped", () => {
  const cases: Array<[string, unknown]> = [
    ["bidi override", { m: "photo\u202egpj.exe" }],
    ["isolates", { m: "\u2066a\u2069" }],
    ["separators", { m: "a\u2028b\u2029c" }],
    ["escape sequence", { m: "\u001b[2J" }],
    ["plain", { n: 1, m: "Zoë" }],
  ];
  for (const [name, value] of cases) {
    const line = jsonLine(value);
    assert.doesNotMatch(line, /[\u0000-\u001f\u2028\u2029\u202a-\u202e\u2066-\u2069]/, name);
    assert.deepEqual(JSON.parse(line), value, name);
  }
});
