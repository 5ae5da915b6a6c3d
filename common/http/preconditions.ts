/**
 * Conditional requests, evaluated in the order of RFC 9110 §13.2.2, before
 * the Range is looked at. Pure: headers and validators in, a decision out.
 *
 * Where the anchors go wrong, and this module does not:
 * - nginx checks If-Unmodified-Since before If-Match, so a matching If-Match
 *   with a stale If-Unmodified-Since gets 412. Here IUS is read only when
 *   If-Match is absent (§13.2.2 step 2).
 * - `send` (Express) treats a weak ETag, or any later date, as a match for
 *   If-Range. Here only a strong exact tag or an exactly equal date matches
 *   (§13.1.5), and If-Range never yields 412.
 */
import { parseEntityTag, parseEntityTagList, strongMatch, weakMatch, type EntityTag } from "./entity-tag.js";
import { parseHttpDate } from "./http-date.js";

/** Request header fields as Node exposes them (lower-case names). */
export type RequestHeaders = Readonly<Record<string, string | readonly string[] | undefined>>;

/** The selected representation's validators. */
export interface Validators {
  /** Strong entity tag, quoted, e.g. `"1a-2b-3c"`. */
  readonly etag: string;
  /** Last-Modified in ms since the epoch; compared at one-second precision. */
  readonly lastModified: number;
}

/** What the preconditions decided. */
export type PreconditionResult =
  /** 412: If-Match or If-Unmodified-Since evaluated to false. */
  | { readonly kind: "precondition-failed" }
  /** 304: If-None-Match or If-Modified-Since evaluated to false. */
  | { readonly kind: "not-modified" }
  /** Go on; `useRange` says whether a Range header may be honoured (present, and If-Range absent or true). */
  | { readonly kind: "proceed"; readonly useRange: boolean };

/** One field's value, or undefined when absent; repeated lines joined as a list (RFC 9110 §5.3). */
export function headerValue(headers: RequestHeaders, name: string): string | undefined {
  const v = headers[name];
  if (v === undefined) return undefined;
  return typeof v === "string" ? v : v.join(", ");
}

const seconds = (ms: number): number => Math.floor(ms / 1000);

/**
 * Evaluates If-Match, If-Unmodified-Since, If-None-Match, If-Modified-Since
 * and If-Range for a GET or HEAD of an existing file (RFC 9110 §13.2.2).
 * HEAD is treated exactly like GET so that HEAD mirrors GET's status.
 * @param now clock for two-digit years in obsolete dates.
 * @default now Date.now()
 */
export function evaluatePreconditions(
  method: string,
  headers: RequestHeaders,
  validators: Validators,
  now: number = Date.now(),
): PreconditionResult {
  const current: EntityTag = { weak: validators.etag.startsWith("W/"), opaque: validators.etag.replace(/^W\//, "") };
  const lastModified = seconds(validators.lastModified);
  const getOrHead = method === "GET" || method === "HEAD";

  // Step 1: If-Match, strong comparison; "*" matches any existing file.
  const ifMatch = headerValue(headers, "if-match");
  if (ifMatch !== undefined) {
    const list = parseEntityTagList(ifMatch);
    if (!list.any && !list.tags.some((t) => strongMatch(t, current))) return { kind: "precondition-failed" };
  } else {
    // Step 2: If-Unmodified-Since, only when If-Match is absent; an invalid date is ignored.
    const ius = headerValue(headers, "if-unmodified-since");
    const date = ius === undefined ? undefined : parseHttpDate(ius, now);
    if (date !== undefined && lastModified > seconds(date)) return { kind: "precondition-failed" };
  }

  // Step 3: If-None-Match, weak comparison; "*" matches any existing file.
  const ifNoneMatch = headerValue(headers, "if-none-match");
  if (ifNoneMatch !== undefined) {
    const list = parseEntityTagList(ifNoneMatch);
    if (list.any || list.tags.some((t) => weakMatch(t, current))) {
      // Only GET/HEAD reach this route; any other method would get 412 here.
      return getOrHead ? { kind: "not-modified" } : { kind: "precondition-failed" };
    }
  } else if (getOrHead) {
    // Step 4: If-Modified-Since, only when If-None-Match is absent.
    const ims = headerValue(headers, "if-modified-since");
    const date = ims === undefined ? undefined : parseHttpDate(ims, now);
    if (date !== undefined && lastModified <= seconds(date)) return { kind: "not-modified" };
  }

  // Step 5: If-Range, only with a Range on GET (and HEAD, which mirrors GET).
  const range = headerValue(headers, "range");
  if (range === undefined || !getOrHead) return { kind: "proceed", useRange: false };
  const ifRange = headerValue(headers, "if-range");
  if (ifRange === undefined) return { kind: "proceed", useRange: true };
  return { kind: "proceed", useRange: ifRangeHolds(ifRange, current, validators.lastModified, now) };
}

/**
 * §13.1.5: an entity tag must match by strong comparison (a weak tag never
 * matches); a date must equal Last-Modified exactly. Anything else, garbage
 * included, means "send the whole representation".
 */
export function ifRangeHolds(
  value: string,
  current: EntityTag,
  lastModifiedMs: number,
  now: number = Date.now(),
): boolean {
  const text = value.trim();
  if (text.startsWith('"') || text.startsWith("W/")) {
    const tag = parseEntityTag(text);
    return tag !== undefined && strongMatch(tag, current);
  }
  const date = parseHttpDate(text, now);
  return date !== undefined && seconds(date) === seconds(lastModifiedMs);
}
