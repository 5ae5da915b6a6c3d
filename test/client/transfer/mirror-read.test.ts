/** Table tests of what a mirror's answer allows (client/transfer/mirror-source.ts checkMirrorRead). */
import { test } from "node:test";
import assert from "node:assert/strict";
import { checkMirrorRead } from "../../../client/transfer/mirror-source.js";

const size = 1000;
const meta = (s: number) => ({ size: s, etag: "", sha256: undefined });

const cases: Array<[string, Parameters<typeof checkMirrorRead>, ReturnType<typeof checkMirrorRead>]> = [
  [
    "206 at the offset asked, same size → ok",
    [{ start: 200, meta: meta(size) }, { offset: 200, length: 100 }, size],
    { kind: "ok" },
  ],
  [
    "another size → banned (not the file)",
    [{ start: 200, meta: meta(999) }, { offset: 200, length: 100 }, size],
    { kind: "ban", reason: "it serves 999 bytes; the file is 1000 bytes" },
  ],
  [
    "200 (whole file) to a range → unusable for ranges",
    [{ start: 0, meta: meta(size), full: true }, { offset: 200, length: 100 }, size],
    { kind: "unusable", reason: "it ignores Range requests (it answered with the whole file)" },
  ],
  [
    "200 to a range starting at 0 but shorter than the file → unusable",
    [{ start: 0, meta: meta(size), full: true }, { offset: 0, length: 100 }, size],
    { kind: "unusable", reason: "it ignores Range requests (it answered with the whole file)" },
  ],
  [
    "200 when the whole file was asked → ok",
    [{ start: 0, meta: meta(size), full: true }, { offset: 0, length: size }, size],
    { kind: "ok" },
  ],
];

for (const [name, args, want] of cases) {
  test(`checkMirrorRead: ${name}`, () => {
    assert.deepEqual(checkMirrorRead(...args), want);
  });
}
