/**
 * Scene release names parsed the way Sonarr and Radarr read them (docs/torznab.md "Matching"):
 * a title, then either an episode marker (`S01E02`, `S01E01E02`, `S01E01-E03`, `1x02`), a season
 * pack (`S01`, `Season 1`, `S01-S03`), a daily date (`2024.01.15`) or a year, then quality tags.
 * Pure and total: every string parses; what is not understood is left out.
 */

/** What a release name says about its content. */
export interface ReleaseName {
  /** The title words as written, joined by single spaces ("The Office US"); never empty. */
  title: string;
  /** Release year (1900–2099) when the name has one after the title. */
  year?: number;
  /** Season number for episodes and season packs. */
  season?: number;
  /** Last season of a multi-season pack (`S01-S03` → 3). */
  lastSeason?: number;
  /** Episode numbers, ascending (`S01E01E02` → [1, 2]); empty for packs and films. */
  episodes: number[];
  /** True for a whole season (or several): `S01`, `Season 1`, `S01-S03`. */
  seasonPack: boolean;
  /** Air date of a daily show, `YYYY-MM-DD`. */
  airDate?: string;
  /** Vertical resolution from `480p`…`2160p` (`4K`/`UHD` → 2160). */
  resolution?: number;
  /** Source tag, normalised: `BluRay`, `WEB-DL`, `WEBRip`, `HDTV`, `DVDRip`, `Remux`, … */
  source?: string;
  /** Release group after the last `-` when it is one word. */
  group?: string;
}

/** File extensions that are not part of a release name. */
const MEDIA_EXTENSION = /\.(mkv|mp4|m4v|avi|ts|wmv|mov|webm|mpg|mpeg|iso|srt|nfo|zip|rar|torrent)$/i;

/** Marker patterns, tried against the separator-normalised name (words split by single spaces). */
const EPISODE = /\b[Ss](\d{1,3})((?:[ -]?[Ee]\d{1,4})+)(?:-(\d{1,4}))?\b/;
const CROSS_EPISODE = /\b(\d{1,2})[xX](\d{2,3})\b/;
const SEASON_RANGE = /\b[Ss](\d{1,3}) ?- ?[Ss](\d{1,3})\b/;
const SEASON_TAG = /\b[Ss](\d{1,3})\b/;
const SEASON_WORDS = /\bSeason (\d{1,3})(?: ?- ?(\d{1,3}))?\b/i;
const DAILY = /\b((?:19|20)\d{2}) (0[1-9]|1[0-2]) (0[1-9]|[12]\d|3[01])\b/;
const YEAR = /\b(19\d{2}|20\d{2})\b/g;

const SOURCES: [RegExp, string][] = [
  [/\bremux\b/i, "Remux"],
  [/\b(?:blu[ -]?ray|bdrip|brrip|bd)\b/i, "BluRay"],
  [/\bweb[ -]?dl\b/i, "WEB-DL"],
  [/\bweb[ -]?rip\b/i, "WEBRip"],
  [/\bweb\b/i, "WEB"],
  [/\bhdtv\b/i, "HDTV"],
  [/\b(?:dvd[ -]?rip|dvd)\b/i, "DVDRip"],
  [/\bsdtv\b/i, "SDTV"],
];

/** Parses one release name (a file's or a folder's basename). */
export function parseReleaseName(raw: string): ReleaseName {
  const { text, group } = splitGroup(normaliseSeparators(stripExtension(raw)));
  const marker = findMarker(text);
  const head = marker ? text.slice(0, marker.index) : text;
  const year = lastYearAfterTitle(head);
  const titleText = year !== undefined ? cutAtYear(head, year) : head;
  const name: ReleaseName = {
    title: cleanTitle(titleText) || cleanTitle(text) || raw.trim() || "(unnamed)",
    episodes: [],
    seasonPack: false,
    ...qualityTags(text),
  };
  if (group !== undefined) name.group = group;
  if (year !== undefined) name.year = year;
  if (marker) applyMarker(name, marker);
  return name;
}

type Marker =
  | { kind: "episode"; index: number; season: number; episodes: number[] }
  | { kind: "pack"; index: number; season: number; lastSeason?: number }
  | { kind: "daily"; index: number; airDate: string };

/** The first marker in the name, by position: what comes before it is the title. */
function findMarker(text: string): Marker | undefined {
  const found: Marker[] = [];
  const episode = EPISODE.exec(text);
  if (episode) found.push({ kind: "episode", index: episode.index, ...episodeNumbers(episode) });
  const cross = CROSS_EPISODE.exec(text);
  if (cross)
    found.push({ kind: "episode", index: cross.index, season: Number(cross[1]), episodes: [Number(cross[2])] });
  const range = SEASON_RANGE.exec(text);
  if (range) found.push({ kind: "pack", index: range.index, season: Number(range[1]), lastSeason: Number(range[2]) });
  const words = SEASON_WORDS.exec(text);
  if (words) {
    const last = words[2] === undefined ? undefined : Number(words[2]);
    found.push({ kind: "pack", index: words.index, season: Number(words[1]), ...(last ? { lastSeason: last } : {}) });
  }
  const season = SEASON_TAG.exec(text);
  if (season) found.push({ kind: "pack", index: season.index, season: Number(season[1]) });
  const daily = DAILY.exec(text);
  if (daily) found.push({ kind: "daily", index: daily.index, airDate: `${daily[1]}-${daily[2]}-${daily[3]}` });
  // The earliest marker wins; at one position an episode beats a pack (S01E02 also matches S01).
  found.sort((a, b) => a.index - b.index || rank(a) - rank(b));
  return found[0];
}

function rank(marker: Marker): number {
  return marker.kind === "episode" ? 0 : marker.kind === "daily" ? 1 : 2;
}

/** Longest episode range expanded (`E01-E24`); a longer one is a typo or a trick, kept as its first episode. */
const MAX_EPISODE_RANGE = 100;

/** `S01E01E02` (a list), `S01E01-E03` and `S01E01-03` (ranges) → season and the ascending episode list. */
function episodeNumbers(match: RegExpExecArray): { season: number; episodes: number[] } {
  const episodes: number[] = [];
  const parts = [...(match[2] ?? "").matchAll(/(-?)[ ]?[Ee](\d{1,4})/g)].map((m) => ({
    range: m[1] === "-",
    episode: Number(m[2]),
  }));
  if (match[3] !== undefined) parts.push({ range: true, episode: Number(match[3]) });
  for (const { range, episode } of parts) {
    const previous = episodes[episodes.length - 1];
    if (range && previous !== undefined) {
      if (episode > previous && episode - previous <= MAX_EPISODE_RANGE)
        for (let next = previous + 1; next <= episode; next++) episodes.push(next);
    } else {
      episodes.push(episode);
    }
  }
  return { season: Number(match[1]), episodes: [...new Set(episodes)].sort((a, b) => a - b) };
}

function applyMarker(name: ReleaseName, marker: Marker): void {
  if (marker.kind === "episode") {
    name.season = marker.season;
    name.episodes = marker.episodes;
  } else if (marker.kind === "pack") {
    name.season = marker.season;
    name.seasonPack = true;
    if (marker.lastSeason !== undefined && marker.lastSeason > marker.season) name.lastSeason = marker.lastSeason;
  } else {
    name.airDate = marker.airDate;
  }
}

/**
 * The year that ends a film's title: the last 19xx/20xx word that is not the first word
 * (`2001 A Space Odyssey 1968` → 1968, `Blade Runner 2049 2017` → 2017).
 */
function lastYearAfterTitle(head: string): number | undefined {
  const years = [...head.matchAll(YEAR)].filter((m) => m.index > 0);
  const last = years[years.length - 1];
  return last ? Number(last[1]) : undefined;
}

function cutAtYear(head: string, year: number): string {
  const at = head.lastIndexOf(String(year));
  return at > 0 ? head.slice(0, at) : head;
}

function stripExtension(raw: string): string {
  return raw.trim().replace(MEDIA_EXTENSION, "");
}

/** Dots, underscores and brackets become spaces; runs of spaces collapse. */
function normaliseSeparators(text: string): string {
  return text
    .replace(/[._]+/g, " ")
    .replace(/[[\](){}]+/g, " ")
    .replace(/\s+/g, " ")
    .trim();
}

/** `… x264-GROUP` → the group; the text without it. A `-` inside the title (`WEB-DL`) is not a group. */
function splitGroup(text: string): { text: string; group?: string } {
  const match = /-([A-Za-z0-9]+)$/.exec(text);
  if (!match || /^(?:DL|Rip|E?\d+)$/i.test(match[1] ?? "")) return { text };
  const before = text.slice(0, match.index);
  // A hyphenated title word ("Spider-Man") has no space before it and nothing that looks like a tag.
  if (!/\b(?:\d{3,4}p|x26[45]|h ?26[45]|hevc|avc|web|hdtv|bluray|dvdrip|remux|aac|dts|ac3)\b/i.test(before))
    return { text };
  return { text: before.trim(), group: match[1] as string };
}

/** Title words: separators and a trailing dash or "-" word removed. */
function cleanTitle(text: string): string {
  return text
    .replace(/\s+-\s*$/, "")
    .replace(/^\s*-\s+/, "")
    .replace(/\s+/g, " ")
    .trim();
}

function qualityTags(text: string): Pick<ReleaseName, "resolution" | "source"> {
  const tags: Pick<ReleaseName, "resolution" | "source"> = {};
  const resolution = /\b(480|576|720|1080|2160)[pi]\b/i.exec(text);
  if (resolution) tags.resolution = Number(resolution[1]);
  else if (/\b(?:4k|uhd)\b/i.test(text)) tags.resolution = 2160;
  const source = SOURCES.find(([pattern]) => pattern.test(text));
  if (source) tags.source = source[1];
  return tags;
}
