import assert from "node:assert/strict";
import { test } from "node:test";
import { parseReleaseName, type ReleaseName } from "../../../service/torznab/release-name.js";

type Expected = Partial<ReleaseName> & { title: string };

// Hostile and odd inputs first, then real release names of every shape.
const cases: [string, string, Expected][] = [
  ["empty", "", { title: "(unnamed)", episodes: [], seasonPack: false }],
  ["only separators", "...___", { title: "...___", episodes: [], seasonPack: false }],
  ["only a marker", "S01E02.mkv", { title: "S01E02", season: 1, episodes: [2] }],
  ["markup is just text", "<b>Show</b>.S01E01", { title: "<b>Show</b>", season: 1, episodes: [1] }],
  ["absurd episode range is not expanded", "Show.S01E01-E999", { title: "Show", season: 1, episodes: [1] }],
  [
    "scene episode",
    "The.Office.US.S01E02.720p.HDTV.x264-LOL",
    {
      title: "The Office US",
      season: 1,
      episodes: [2],
      seasonPack: false,
      resolution: 720,
      source: "HDTV",
      group: "LOL",
    },
  ],
  [
    "episode file with extension",
    "Breaking.Bad.S05E14.Ozymandias.1080p.BluRay.x264-ROVERS.mkv",
    { title: "Breaking Bad", season: 5, episodes: [14], resolution: 1080, source: "BluRay", group: "ROVERS" },
  ],
  [
    "multi-episode",
    "Show.Name.S01E01E02.1080p.WEB-DL.DD5.1.H.264-GRP",
    { title: "Show Name", season: 1, episodes: [1, 2], resolution: 1080, source: "WEB-DL", group: "GRP" },
  ],
  ["episode range with E", "Show.Name.S02E01-E03.720p.WEBRip", { title: "Show Name", season: 2, episodes: [1, 2, 3] }],
  ["episode range without E", "Show.Name.S02E05-07.720p", { title: "Show Name", season: 2, episodes: [5, 6, 7] }],
  ["spaced episode", "Show Name - S03E04 - Episode Title", { title: "Show Name", season: 3, episodes: [4] }],
  ["lower case", "show.name.s10e100.hdtv", { title: "show name", season: 10, episodes: [100], source: "HDTV" }],
  ["1x02 style", "Show.Name.1x02.HDTV", { title: "Show Name", season: 1, episodes: [2] }],
  [
    "season pack",
    "Show.Name.S01.1080p.BluRay.x264-GRP",
    { title: "Show Name", season: 1, episodes: [], seasonPack: true, resolution: 1080, source: "BluRay" },
  ],
  ["season words", "Show Name Season 2 Complete 720p", { title: "Show Name", season: 2, seasonPack: true }],
  [
    "multi-season pack",
    "Show.Name.S01-S03.COMPLETE.1080p.WEB-DL",
    { title: "Show Name", season: 1, lastSeason: 3, seasonPack: true },
  ],
  ["season words range", "Show Name Season 1-4", { title: "Show Name", season: 1, lastSeason: 4, seasonPack: true }],
  [
    "show with a year",
    "Doctor.Who.2005.S01E01.Rose.720p.BluRay",
    { title: "Doctor Who", year: 2005, season: 1, episodes: [1] },
  ],
  [
    "daily show",
    "The.Daily.Show.2024.01.15.Guest.720p.WEB.h264-GRP",
    { title: "The Daily Show", airDate: "2024-01-15", episodes: [], seasonPack: false, source: "WEB" },
  ],
  [
    "film",
    "Inception.2010.1080p.BluRay.x264-SPARKS",
    { title: "Inception", year: 2010, resolution: 1080, source: "BluRay", group: "SPARKS", seasonPack: false },
  ],
  ["film in brackets", "Inception (2010) [2160p] UHD Remux", { title: "Inception", year: 2010, resolution: 2160 }],
  ["title that is a year", "2001.A.Space.Odyssey.1968.1080p.BluRay", { title: "2001 A Space Odyssey", year: 1968 }],
  ["title ending in a year", "Blade.Runner.2049.2017.2160p.WEB-DL", { title: "Blade Runner 2049", year: 2017 }],
  ["hyphenated title, no group", "Spider-Man", { title: "Spider-Man", episodes: [] }],
  ["hyphenated title with group", "Spider-Man.2002.720p.BluRay.x264-GRP", { title: "Spider-Man", year: 2002 }],
  ["4K tag", "Film.2020.4K.WEBRip", { title: "Film", year: 2020, resolution: 2160, source: "WEBRip" }],
  ["DVDRip", "Old.Film.1999.DVDRip.XviD-GRP", { title: "Old Film", year: 1999, source: "DVDRip" }],
  ["underscores", "Show_Name_S01E02_720p", { title: "Show Name", season: 1, episodes: [2] }],
  ["unicode title", "Amélie.2001.1080p.BluRay", { title: "Amélie", year: 2001 }],
  ["plain folder name", "Holiday photos", { title: "Holiday photos", episodes: [], seasonPack: false }],
];

for (const [name, input, expected] of cases) {
  test(`parseReleaseName: ${name}`, () => {
    const parsed = parseReleaseName(input);
    for (const [key, value] of Object.entries(expected)) {
      assert.deepEqual(parsed[key as keyof ReleaseName], value, `${key} of ${JSON.stringify(input)}`);
    }
  });
}

test("parseReleaseName: a film has no season and no episodes", () => {
  const parsed = parseReleaseName("Inception.2010.1080p.BluRay.x264-SPARKS");
  assert.equal(parsed.season, undefined);
  assert.deepEqual(parsed.episodes, []);
  assert.equal(parsed.airDate, undefined);
});
