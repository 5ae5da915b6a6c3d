import assert from "node:assert/strict";
import { test } from "node:test";
import {
  CATEGORIES,
  type ReleaseQuery,
  releaseCategory,
  releaseMatches,
  titleWords,
} from "../../../service/torznab/release-match.js";
import { parseReleaseName } from "../../../service/torznab/release-name.js";

function query(fields: Partial<ReleaseQuery>): ReleaseQuery {
  return { q: "", categories: [], kind: "any", ...fields };
}

test("titleWords: diacritics, case, punctuation and & are folded", () => {
  assert.deepEqual(titleWords("Amélie"), ["amelie"]);
  assert.deepEqual(titleWords("Marvel's Agents of S.H.I.E.L.D."), [
    "marvels",
    "agents",
    "of",
    "s",
    "h",
    "i",
    "e",
    "l",
    "d",
  ]);
  assert.deepEqual(titleWords("Law & Order"), ["law", "and", "order"]);
  assert.deepEqual(titleWords("  --  "), []);
});

const categoryCases: [string, string, number | undefined, number][] = [
  ["share category wins", "Inception.2010.1080p", 5000, 5000],
  ["HD episode", "Show.S01E01.720p.HDTV", undefined, CATEGORIES.tvHd],
  ["SD episode", "Show.S01E01.480p", undefined, CATEGORIES.tvSd],
  ["UHD pack", "Show.S01.2160p", undefined, CATEGORIES.tvUhd],
  ["daily is TV", "Show.2024.01.15.720p", undefined, CATEGORIES.tvHd],
  ["episode without resolution is HD", "Show.S01E01", undefined, CATEGORIES.tvHd],
  ["film", "Inception.2010.1080p.BluRay", undefined, CATEGORIES.moviesHd],
  ["UHD film", "Inception.2010.2160p", undefined, CATEGORIES.moviesUhd],
  ["SD film", "Old.Film.1999.576p", undefined, CATEGORIES.moviesSd],
  ["no year, no episode", "Holiday photos", undefined, CATEGORIES.other],
];
for (const [name, release, share, expected] of categoryCases) {
  test(`releaseCategory: ${name}`, () => {
    assert.equal(releaseCategory(parseReleaseName(release), share), expected);
  });
}

const matchCases: [string, string, Partial<ReleaseQuery>, boolean][] = [
  // Hostile or empty queries first.
  ["query of punctuation matches all", "Show.S01E01", { q: "!!!" }, true],
  ["episode without season matches nothing", "Show.S01E01", { ep: "1" }, false],
  ["non-numeric episode", "Show.S01E01", { q: "show", season: 1, ep: "x" }, false],
  ["RSS: no query", "Inception.2010.1080p", {}, true],
  ["words in any order", "The.Office.US.S01E02.720p", { q: "office the us" }, true],
  ["a missing word", "The.Office.S01E02", { q: "the office us" }, false],
  ["partial word does not match", "Showtime.S01E01", { q: "show" }, false],
  ["diacritics folded", "Amelie.2001.1080p", { q: "Amélie" }, true],
  ["year may be part of q", "Inception.2010.1080p", { q: "inception 2010" }, true],
  ["season: episode of that season", "Show.S02E03", { q: "show", season: 2 }, true],
  ["season: pack of that season", "Show.S02.1080p", { q: "show", season: 2 }, true],
  ["season: other season", "Show.S03E01", { q: "show", season: 2 }, false],
  ["season: inside a multi-season pack", "Show.S01-S03.1080p", { q: "show", season: 2 }, true],
  ["episode: exact", "Show.S02E03.720p", { q: "show", season: 2, ep: "3" }, true],
  ["episode: other episode", "Show.S02E04.720p", { q: "show", season: 2, ep: "3" }, false],
  ["episode: inside a multi-episode release", "Show.S02E03E04", { q: "show", season: 2, ep: "4" }, true],
  ["episode: a pack does not answer", "Show.S02.1080p", { q: "show", season: 2, ep: "3" }, false],
  ["daily: date", "Talk.Show.2024.01.15.720p", { q: "talk show", season: 2024, ep: "01/15" }, true],
  ["daily: date without zero padding", "Talk.Show.2024.01.15.720p", { q: "talk show", season: 2024, ep: "1/15" }, true],
  ["daily: other day", "Talk.Show.2024.01.16.720p", { q: "talk show", season: 2024, ep: "01/15" }, false],
  ["daily: the year", "Talk.Show.2024.01.16.720p", { q: "talk show", season: 2024 }, true],
  ["tv search ignores films", "Inception.2010.1080p", { q: "inception", kind: "tv" }, false],
  ["movie search ignores episodes", "Show.S01E01.720p", { q: "show", kind: "movie" }, false],
  ["movie search finds films", "Inception.2010.1080p", { q: "inception", kind: "movie" }, true],
  ["category parent matches its sub-category", "Show.S01E01.720p", { categories: [5000] }, true],
  ["exact sub-category", "Show.S01E01.720p", { categories: [5040] }, true],
  ["other sub-category", "Show.S01E01.720p", { categories: [5045] }, false],
  ["other parent", "Show.S01E01.720p", { categories: [2000] }, false],
];
for (const [name, release, fields, expected] of matchCases) {
  test(`releaseMatches: ${name}`, () => {
    const parsed = parseReleaseName(release);
    assert.equal(releaseMatches(parsed, releaseCategory(parsed), query(fields)), expected);
  });
}
