import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { parseEntityTag, parseEntityTagList } from "../../../common/http/entity-tag.js";
import { formatHttpDate } from "../../../common/http/http-date.js";
import {
  evaluatePreconditions,
  type PreconditionResult,
  type RequestHeaders,
} from "../../../common/http/preconditions.js";

const ETAG = '"3e8-abc-12"';
const LM = Date.UTC(2025, 5, 1, 12, 0, 0) + 456; // sub-second part must not matter
const v = { etag: ETAG, lastModified: LM };
const at = (deltaSeconds: number): string => formatHttpDate(LM + deltaSeconds * 1000);
const LATER = at(60);
const EARLIER = at(-60);
const SAME = at(0);

const FAIL: PreconditionResult = { kind: "precondition-failed" };
const NOT_MODIFIED: PreconditionResult = { kind: "not-modified" };
const FULL: PreconditionResult = { kind: "proceed", useRange: false };
const RANGE: PreconditionResult = { kind: "proceed", useRange: true };

// [name, headers, expected for GET]; HEAD must give the same.
const cases: [string, RequestHeaders, PreconditionResult][] = [
  // Hostile values first.
  ["garbage If-Match fails", { "if-match": "garbage" }, FAIL],
  ["empty If-Match fails", { "if-match": "" }, FAIL],
  ["unterminated tag in If-Match fails", { "if-match": '"3e8-abc-12' }, FAIL],
  ["garbage If-None-Match matches nothing", { "if-none-match": "garbage" }, FULL],
  ["garbage IMS is ignored", { "if-modified-since": "not a date" }, FULL],
  ["garbage IUS is ignored", { "if-unmodified-since": "not a date" }, FULL],
  ["IMS with two dates is ignored", { "if-modified-since": `${LATER}, ${LATER}` }, FULL],
  ["garbage If-Range ignores the Range", { range: "bytes=0-1", "if-range": "garbage" }, FULL],
  ["If-Range with control characters", { range: "bytes=0-1", "if-range": '"3e8\u0001abc-12"' }, FULL],
  // Step 1: If-Match.
  ["If-Match matching", { "if-match": ETAG }, FULL],
  ["If-Match in a list", { "if-match": `"x", ${ETAG}` }, FULL],
  ["If-Match *", { "if-match": "*" }, FULL],
  ["If-Match other tag", { "if-match": '"other"' }, FAIL],
  ["If-Match weak never matches (strong comparison)", { "if-match": `W/${ETAG}` }, FAIL],
  ["If-Match as array of lines", { "if-match": ['"x"', ETAG] }, FULL],
  // Step 2: If-Unmodified-Since, only without If-Match (nginx gets this wrong).
  ["IUS later passes", { "if-unmodified-since": LATER }, FULL],
  ["IUS equal passes", { "if-unmodified-since": SAME }, FULL],
  ["IUS earlier fails", { "if-unmodified-since": EARLIER }, FAIL],
  ["matching If-Match wins over a stale IUS", { "if-match": ETAG, "if-unmodified-since": EARLIER }, FULL],
  ["failing If-Match fails even with a fine IUS", { "if-match": '"x"', "if-unmodified-since": LATER }, FAIL],
  // Step 3: If-None-Match.
  ["INM matching", { "if-none-match": ETAG }, NOT_MODIFIED],
  ["INM weak matches (weak comparison)", { "if-none-match": `W/${ETAG}` }, NOT_MODIFIED],
  ["INM in a list", { "if-none-match": `"a", "b",${ETAG}` }, NOT_MODIFIED],
  ["INM *", { "if-none-match": "*" }, NOT_MODIFIED],
  ["INM other", { "if-none-match": '"other"' }, FULL],
  ["If-Match is checked before INM", { "if-match": '"x"', "if-none-match": ETAG }, FAIL],
  // Step 4: If-Modified-Since, only without INM.
  ["IMS later: not modified", { "if-modified-since": LATER }, NOT_MODIFIED],
  ["IMS equal: not modified", { "if-modified-since": SAME }, NOT_MODIFIED],
  ["IMS earlier: modified", { "if-modified-since": EARLIER }, FULL],
  ["IMS in RFC 850 form", { "if-modified-since": "Sunday, 01-Jun-25 12:00:00 GMT" }, NOT_MODIFIED],
  ["IMS in asctime form", { "if-modified-since": "Sun Jun  1 12:00:00 2025" }, NOT_MODIFIED],
  ["INM present (not matching) disables IMS", { "if-none-match": '"other"', "if-modified-since": LATER }, FULL],
  ["INM matching with an old IMS is still 304", { "if-none-match": ETAG, "if-modified-since": EARLIER }, NOT_MODIFIED],
  // Step 5: If-Range.
  ["Range alone", { range: "bytes=0-1" }, RANGE],
  ["If-Range without Range is ignored", { "if-range": '"other"' }, FULL],
  ["If-Range strong exact tag", { range: "bytes=0-1", "if-range": ETAG }, RANGE],
  ["If-Range other tag", { range: "bytes=0-1", "if-range": '"other"' }, FULL],
  ["If-Range weak tag never matches", { range: "bytes=0-1", "if-range": `W/${ETAG}` }, FULL],
  ["If-Range exact date", { range: "bytes=0-1", "if-range": SAME }, RANGE],
  ["If-Range later date does not match (send gets this wrong)", { range: "bytes=0-1", "if-range": LATER }, FULL],
  ["If-Range earlier date", { range: "bytes=0-1", "if-range": EARLIER }, FULL],
  ["If-Range list of tags is not an entity-tag", { range: "bytes=0-1", "if-range": `${ETAG}, ${ETAG}` }, FULL],
  [
    "If-Range never 412s, even with a failing tag",
    { range: "bytes=0-1", "if-range": '"x"', "if-unmodified-since": LATER },
    FULL,
  ],
  ["INM beats Range", { range: "bytes=0-1", "if-none-match": ETAG }, NOT_MODIFIED],
  ["If-Match failing beats Range", { range: "bytes=0-1", "if-match": '"x"' }, FAIL],
];

describe("evaluatePreconditions (RFC 9110 §13.2.2)", () => {
  for (const [name, headers, expected] of cases) {
    test(name, () => {
      assert.deepEqual(evaluatePreconditions("GET", headers, v), expected, "GET");
      assert.deepEqual(evaluatePreconditions("HEAD", headers, v), expected, "HEAD mirrors GET");
    });
  }
  test("other methods never get a Range and get 412 for a matching INM", () => {
    assert.deepEqual(evaluatePreconditions("POST", { range: "bytes=0-1" }, v), FULL);
    assert.deepEqual(evaluatePreconditions("POST", { "if-none-match": "*" }, v), FAIL);
    assert.deepEqual(evaluatePreconditions("POST", { "if-modified-since": LATER }, v), FULL);
  });
});

describe("entity tags", () => {
  const tags: [string, string, ReturnType<typeof parseEntityTag>][] = [
    ["no quotes", "abc", undefined],
    ["lower-case w/", 'w/"abc"', undefined],
    ["space inside", '"a b"', undefined],
    ["two tags", '"a" "b"', undefined],
    ["DEL inside", '"a\u007fb"', undefined],
    ["strong", '"abc"', { weak: false, opaque: '"abc"' }],
    ["weak", 'W/"abc"', { weak: true, opaque: '"abc"' }],
    ["empty tag", '""', { weak: false, opaque: '""' }],
    ["comma is an etagc", '"a,b"', { weak: false, opaque: '"a,b"' }],
    ["obs-text", '"\u00e9"', { weak: false, opaque: '"\u00e9"' }],
  ];
  for (const [name, input, expected] of tags) test(name, () => assert.deepEqual(parseEntityTag(input), expected));

  test("lists keep the tags read before a syntax error", () => {
    assert.deepEqual(parseEntityTagList('"a", W/"b", junk, "c"'), {
      any: false,
      tags: [
        { weak: false, opaque: '"a"' },
        { weak: true, opaque: '"b"' },
      ],
    });
    assert.deepEqual(parseEntityTagList(" * "), { any: true, tags: [] });
    assert.deepEqual(
      parseEntityTagList('"a,b" , "c"').tags.map((t) => t.opaque),
      ['"a,b"', '"c"'],
    );
  });
});
