import assert from "node:assert/strict";
import { test } from "node:test";
import {
  DEFAULT_LIMIT,
  isRefusal,
  MAX_LIMIT,
  parseTorznabRequest,
  TORZNAB_ERRORS,
} from "../../../service/torznab/torznab-request.js";

const refused: [string, string, number, RegExp][] = [
  ["no t", "q=x", TORZNAB_ERRORS.missingParameter, /missing parameter t/],
  ["empty t", "t=", TORZNAB_ERRORS.missingParameter, /missing parameter t/],
  ["unknown function", "t=music", TORZNAB_ERRORS.noSuchFunction, /no such function t=music/],
  ["long unknown function is clipped", `t=${"x".repeat(500)}`, TORZNAB_ERRORS.noSuchFunction, /x…;/],
  ["q too long", `t=search&q=${"a".repeat(257)}`, TORZNAB_ERRORS.badParameter, /incorrect parameter q/],
  ["negative season", "t=tvsearch&season=-1", TORZNAB_ERRORS.badParameter, /season/],
  ["season text", "t=tvsearch&season=one", TORZNAB_ERRORS.badParameter, /season/],
  ["ep text", "t=tvsearch&season=1&ep=x", TORZNAB_ERRORS.badParameter, /ep/],
  ["ep without season", "t=tvsearch&ep=2", TORZNAB_ERRORS.badParameter, /needs season/],
  ["cat text", "t=search&cat=tv", TORZNAB_ERRORS.badParameter, /cat/],
  ["too many cats", `t=search&cat=${Array(40).fill(5000).join(",")}`, TORZNAB_ERRORS.badParameter, /cat/],
  ["negative offset", "t=search&offset=-5", TORZNAB_ERRORS.badParameter, /offset/],
  ["fractional limit", "t=search&limit=1.5", TORZNAB_ERRORS.badParameter, /limit/],
];
for (const [name, query, code, description] of refused) {
  test(`parseTorznabRequest refuses: ${name}`, () => {
    const parsed = parseTorznabRequest(new URLSearchParams(query));
    assert.ok(isRefusal(parsed), JSON.stringify(parsed));
    assert.equal(parsed.code, code);
    assert.match(parsed.description, description);
  });
}

test("parseTorznabRequest: caps", () => {
  assert.deepEqual(parseTorznabRequest(new URLSearchParams("t=caps&apikey=k")), { t: "caps" });
});

test("parseTorznabRequest: an RSS sync (no q) with defaults", () => {
  assert.deepEqual(parseTorznabRequest(new URLSearchParams("t=search&cat=5000,5040")), {
    t: "search",
    query: { q: "", categories: [5000, 5040], kind: "any" },
    offset: 0,
    limit: DEFAULT_LIMIT,
    extended: false,
  });
});

test("parseTorznabRequest: Sonarr's episode search", () => {
  const parsed = parseTorznabRequest(
    new URLSearchParams(
      "t=tvsearch&cat=5030,5040&extended=1&apikey=k&offset=100&limit=100&q=The%20Office%20US&season=1&ep=2",
    ),
  );
  assert.deepEqual(parsed, {
    t: "search",
    query: { q: "The Office US", categories: [5030, 5040], kind: "tv", season: 1, ep: "2" },
    offset: 100,
    limit: 100,
    extended: true,
  });
});

test("parseTorznabRequest: a daily episode and a movie search; limits are capped", () => {
  const daily = parseTorznabRequest(new URLSearchParams("t=tvsearch&q=Talk&season=2024&ep=01/15"));
  assert.ok(!isRefusal(daily) && daily.t === "search");
  assert.equal(daily.query.ep, "01/15");
  const movie = parseTorznabRequest(new URLSearchParams("t=movie&q=Inception&limit=5000"));
  assert.ok(!isRefusal(movie) && movie.t === "search");
  assert.equal(movie.query.kind, "movie");
  assert.equal(movie.limit, MAX_LIMIT);
});
