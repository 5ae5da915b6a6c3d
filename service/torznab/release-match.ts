/**
 * Does a release answer a Torznab query, and under which category? Pure decisions over a
 * parsed release name (release-name.ts) and a validated query (torznab-query.ts); the rules and
 * their limits are in docs/torznab.md "Matching".
 */
import type { ReleaseName } from "./release-name.js";

/** Newznab category ids this indexer answers with (caps lists them with their names). */
export const CATEGORIES = {
  movies: 2000,
  moviesSd: 2030,
  moviesHd: 2040,
  moviesUhd: 2045,
  tv: 5000,
  tvSd: 5030,
  tvHd: 5040,
  tvUhd: 5045,
  other: 8000,
} as const;

/** What the *arr asked for, already validated. */
export interface ReleaseQuery {
  /** Search words; empty for "the newest items" (RSS sync). */
  q: string;
  /** `t=tvsearch` season number, or a daily show's year. */
  season?: number;
  /** `t=tvsearch` episode number, or a daily show's `MM/DD`. */
  ep?: string;
  /** Requested categories (parents match their sub-categories); empty for all. */
  categories: number[];
  /** `tv` and `movie` searches only answer releases of their kind. */
  kind: "any" | "tv" | "movie";
}

/** Lower-case words without diacritics or punctuation: how titles and queries are compared. */
export function titleWords(text: string): string[] {
  return text
    .normalize("NFKD")
    .replace(/\p{M}+/gu, "")
    .toLowerCase()
    .replace(/&/g, " and ")
    .replace(/'/g, "")
    .split(/[^\p{L}\p{N}]+/u)
    .filter((word) => word !== "");
}

/** The release's category: a share's own category wins, else the parse decides (episodes → TV, titled years → films). */
export function releaseCategory(name: ReleaseName, shareCategory?: number): number {
  if (shareCategory !== undefined) return shareCategory;
  const band =
    name.resolution === undefined ? "hd" : name.resolution >= 2160 ? "uhd" : name.resolution >= 720 ? "hd" : "sd";
  if (isTv(name)) return band === "uhd" ? CATEGORIES.tvUhd : band === "sd" ? CATEGORIES.tvSd : CATEGORIES.tvHd;
  if (name.year !== undefined)
    return band === "uhd" ? CATEGORIES.moviesUhd : band === "sd" ? CATEGORIES.moviesSd : CATEGORIES.moviesHd;
  return CATEGORIES.other;
}

/** True when the release answers the query. */
export function releaseMatches(name: ReleaseName, category: number, query: ReleaseQuery): boolean {
  if (!categoryMatches(category, query.categories)) return false;
  if (query.kind === "tv" && parentOf(category) !== CATEGORIES.tv) return false;
  if (query.kind === "movie" && parentOf(category) !== CATEGORIES.movies) return false;
  if (!wordsMatch(name, query.q)) return false;
  return episodeMatches(name, query);
}

/** Every query word is one of the title's words (order and extra title words do not matter). */
function wordsMatch(name: ReleaseName, q: string): boolean {
  const wanted = titleWords(q);
  if (wanted.length === 0) return true;
  const have = new Set(titleWords(name.year === undefined ? name.title : `${name.title} ${name.year}`));
  return wanted.every((word) => have.has(word));
}

/**
 * `season` alone: that season's packs and episodes. `season` + `ep`: that episode (a
 * multi-episode release holding it counts; packs do not). A daily show is asked as
 * `season=YYYY&ep=MM/DD`.
 */
function episodeMatches(name: ReleaseName, query: ReleaseQuery): boolean {
  if (query.season === undefined) return query.ep === undefined;
  if (name.airDate !== undefined) return dailyMatches(name.airDate, query.season, query.ep);
  if (name.season === undefined) return false;
  const last = name.lastSeason ?? name.season;
  if (query.season < name.season || query.season > last) return false;
  if (query.ep === undefined) return true;
  const episode = Number(query.ep);
  return !name.seasonPack && Number.isInteger(episode) && name.episodes.includes(episode);
}

function dailyMatches(airDate: string, year: number, ep: string | undefined): boolean {
  if (!airDate.startsWith(`${year}-`)) return false;
  if (ep === undefined) return true;
  const [month, day] = ep.split("/");
  return airDate === `${year}-${month?.padStart(2, "0")}-${day?.padStart(2, "0")}`;
}

function categoryMatches(category: number, wanted: number[]): boolean {
  return wanted.length === 0 || wanted.some((id) => id === category || id === parentOf(category));
}

/** 5040 → 5000. */
export function parentOf(category: number): number {
  return Math.floor(category / 1000) * 1000;
}

function isTv(name: ReleaseName): boolean {
  return name.season !== undefined || name.airDate !== undefined;
}
