/**
 * A Torznab request's query string, validated into what the indexer does (docs/torznab.md):
 * `t=caps`, or a search (`t=search|tvsearch|movie`) with `q`, `season`, `ep`, `cat`, `offset`,
 * `limit`, `extended`. Bad input becomes a Newznab error code the *arr shows to its user.
 */
import type { ReleaseQuery } from "./release-match.js";

/** Newznab error codes (the spec's table) used by this indexer. */
export const TORZNAB_ERRORS = {
  badCredentials: 100,
  insufficientPrivileges: 102,
  missingParameter: 200,
  badParameter: 201,
  noSuchFunction: 202,
  unknown: 900,
} as const;

/** Items per page when `limit` is absent. */
export const DEFAULT_LIMIT = 100;
/** Most items per page (`caps` says so). */
export const MAX_LIMIT = 100;
/** Longest accepted `q`, in characters. */
export const MAX_QUERY_LENGTH = 256;
/** Most `cat` ids in one request. */
export const MAX_CATEGORIES = 32;

/** A validated request. */
export type TorznabRequest =
  | { t: "caps" }
  | { t: "search"; query: ReleaseQuery; offset: number; limit: number; extended: boolean };

/** A refused request: a Newznab error code and a description naming what was wrong. */
export interface TorznabRefusal {
  code: number;
  description: string;
}

const FUNCTIONS: Record<string, ReleaseQuery["kind"] | "caps"> = {
  caps: "caps",
  search: "any",
  tvsearch: "tv",
  "tv-search": "tv",
  movie: "movie",
  "movie-search": "movie",
};

/** Validates a request's query parameters. */
export function parseTorznabRequest(params: URLSearchParams): TorznabRequest | TorznabRefusal {
  const t = params.get("t");
  if (t === null || t === "") return missing("t");
  const kind = FUNCTIONS[t];
  if (kind === undefined)
    return {
      code: TORZNAB_ERRORS.noSuchFunction,
      description: `no such function t=${clip(t)}; use caps, search, tvsearch or movie`,
    };
  if (kind === "caps") return { t: "caps" };
  const q = params.get("q") ?? "";
  if (q.length > MAX_QUERY_LENGTH) return bad("q", `at most ${MAX_QUERY_LENGTH} characters`);
  const season = optionalInteger(params, "season", 0, 9999);
  if (isRefusal(season)) return season;
  const ep = params.get("ep") ?? undefined;
  if (ep !== undefined && !/^(?:\d{1,4}|\d{1,2}\/\d{1,2})$/.test(ep)) return bad("ep", "an episode number or MM/DD");
  if (ep !== undefined && season === undefined) return bad("ep", "needs season");
  const categories = parseCategories(params.get("cat"));
  if (isRefusal(categories)) return categories;
  const offset = optionalInteger(params, "offset", 0, 1_000_000);
  if (isRefusal(offset)) return offset;
  const limit = optionalInteger(params, "limit", 0, 1_000_000);
  if (isRefusal(limit)) return limit;
  const query: ReleaseQuery = { q: q.trim(), categories, kind };
  if (season !== undefined) query.season = season;
  if (ep !== undefined) query.ep = ep;
  return {
    t: "search",
    query,
    offset: offset ?? 0,
    limit: Math.min(MAX_LIMIT, limit === undefined || limit === 0 ? DEFAULT_LIMIT : limit),
    extended: params.get("extended") === "1",
  };
}

/** True for a refusal. */
export function isRefusal(value: unknown): value is TorznabRefusal {
  return typeof value === "object" && value !== null && "code" in value && "description" in value;
}

function parseCategories(raw: string | null): number[] | TorznabRefusal {
  if (raw === null || raw.trim() === "") return [];
  const parts = raw.split(",").map((part) => part.trim());
  if (parts.length > MAX_CATEGORIES) return bad("cat", `at most ${MAX_CATEGORIES} categories`);
  const ids: number[] = [];
  for (const part of parts) {
    if (!/^\d{1,6}$/.test(part)) return bad("cat", "comma-separated category numbers");
    ids.push(Number(part));
  }
  return ids;
}

function optionalInteger(
  params: URLSearchParams,
  name: string,
  min: number,
  max: number,
): number | undefined | TorznabRefusal {
  const raw = params.get(name);
  if (raw === null || raw === "") return undefined;
  if (!/^\d+$/.test(raw) || Number(raw) < min || Number(raw) > max)
    return bad(name, `a whole number from ${min} to ${max}`);
  return Number(raw);
}

function missing(name: string): TorznabRefusal {
  return { code: TORZNAB_ERRORS.missingParameter, description: `missing parameter ${name}` };
}

function bad(name: string, want: string): TorznabRefusal {
  return { code: TORZNAB_ERRORS.badParameter, description: `incorrect parameter ${name}: expected ${want}` };
}

/** Echoed input is cut short so an error stays one short line. */
function clip(text: string): string {
  return text.length > 40 ? `${text.slice(0, 40)}…` : text;
}
