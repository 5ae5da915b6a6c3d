import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { describe, test } from "node:test";
import { formatApiKey, hashSecret, isKeyId, parseApiKey } from "../../../server/auth/key-format.js";
import { checkKeyName } from "../../../server/auth/key-name.js";

const ID = "0123456789abcdef";
const SECRET = "A".repeat(21) + "_-" + "z".repeat(20); // 43 base64url chars with "_" and "-"

describe("parseApiKey", () => {
  const rejected: Array<[string, string | undefined]> = [
    ["undefined", undefined],
    ["empty", ""],
    ["prefix only", "peer_"],
    ["wrong prefix", `PEER_${ID}_${SECRET}`],
    ["bearer word included", `Bearer peer_${ID}_${SECRET}`],
    ["no secret separator", `peer_${ID}${SECRET}`],
    ["upper-case id", `peer_${ID.toUpperCase()}_${SECRET}`],
    ["short id", `peer_${ID.slice(1)}_${SECRET}`],
    ["long id", `peer_${ID}0_${SECRET}`],
    ["short secret", `peer_${ID}_${SECRET.slice(1)}`],
    ["long secret", `peer_${ID}_${SECRET}A`],
    ["padding in secret", `peer_${ID}_${SECRET.slice(1)}=`],
    ["standard base64 chars", `peer_${ID}_${SECRET.slice(2)}+/`],
    ["trailing newline", `peer_${ID}_${SECRET}\n`],
    ["leading space", ` peer_${ID}_${SECRET}`],
    ["NUL inside", `peer_${ID}_${SECRET.slice(1)}\0`],
    ["non-ASCII", `peer_${ID}_${SECRET.slice(1)}é`],
  ];
  for (const [name, input] of rejected) {
    test(`rejects: ${name}`, () => {
      assert.equal(parseApiKey(input), undefined);
    });
  }

  test("accepts a well-formed key whose secret contains '_' and '-'", () => {
    assert.deepEqual(parseApiKey(`peer_${ID}_${SECRET}`), { id: ID, secret: SECRET });
  });

  test("round-trips formatApiKey", () => {
    const formatted = formatApiKey(new Uint8Array(8).fill(0xab), new Uint8Array(32).fill(0xff));
    assert.equal(formatted.id, "abababababababab");
    assert.equal(formatted.secret, "_".repeat(42) + "8");
    assert.equal(formatted.key, `peer_${formatted.id}_${formatted.secret}`);
    assert.deepEqual(parseApiKey(formatted.key), { id: formatted.id, secret: formatted.secret });
  });

  test("formatApiKey refuses wrong byte counts", () => {
    assert.throws(() => formatApiKey(new Uint8Array(7), new Uint8Array(32)), RangeError);
    assert.throws(() => formatApiKey(new Uint8Array(8), new Uint8Array(31)), RangeError);
  });
});

describe("isKeyId", () => {
  const cases: Array<[string, boolean]> = [
    [ID, true],
    ["", false],
    [ID.toUpperCase(), false],
    [`${ID}0`, false],
    ["../../etc/passwd", false],
    [`peer_${ID}`, false],
  ];
  for (const [input, expected] of cases) {
    test(`${JSON.stringify(input)} → ${expected}`, () => assert.equal(isKeyId(input), expected));
  }
});

describe("hashSecret", () => {
  test("is the lower-case hex SHA-256 of the secret", () => {
    assert.equal(hashSecret("abc"), createHash("sha256").update("abc").digest("hex"));
    assert.equal(hashSecret("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  });
});

describe("checkKeyName", () => {
  const cases: Array<[string, string, RegExp | undefined]> = [
    ["plain", "laptop", undefined],
    ["spaces inside", "Alice's laptop", undefined],
    ["unicode", "Zoë — büro 🖥", undefined],
    ["64 chars", "x".repeat(64), undefined],
    ["64 emoji (code points, not UTF-16 units)", "🖥".repeat(64), undefined],
    ["empty", "", /empty/],
    ["blank", "   ", /empty/],
    ["65 chars", "x".repeat(65), /at most 64/],
    ["newline", "a\nb", /printable/],
    ["tab", "a\tb", /printable/],
    ["escape sequence", "a\u001b[31mred", /printable/],
    ["DEL", "a\u007f", /printable/],
    ["C1 control", "a\u0085", /printable/],
    ["bidi override", "a\u202eb", /printable/],
    ["line separator", "a\u2028b", /printable/],
    ["leading space", " a", /spaces/],
    ["trailing space", "a ", /spaces/],
  ];
  for (const [name, input, expected] of cases) {
    test(name, () => {
      const problem = checkKeyName(input);
      if (expected === undefined) assert.equal(problem, undefined);
      else assert.match(problem ?? "", expected);
    });
  }
});
