/**
 * Entity tags (RFC 9110 §8.8.3) and the two comparison functions of §8.8.3.2.
 *
 *   entity-tag = [ weak ] opaque-tag ; weak = %s"W/" ; opaque-tag = DQUOTE *etagc DQUOTE
 *   etagc      = %x21 / %x23-7E / obs-text
 *
 * A comma is a legal etagc, so lists are scanned, never split on ",".
 */

/** One parsed entity tag. */
export interface EntityTag {
  /** True for `W/"…"`. */
  readonly weak: boolean;
  /** The opaque tag including its double quotes, e.g. `"abc"`. */
  readonly opaque: string;
}

/** A parsed `If-Match` / `If-None-Match` value. */
export interface EntityTagList {
  /** The value was exactly `*`. */
  readonly any: boolean;
  /** Tags read before the end or before the first syntax error (Go's net/http reads the same way). */
  readonly tags: readonly EntityTag[];
}

const isEtagc = (code: number): boolean =>
  code === 0x21 || (code >= 0x23 && code <= 0x7e) || (code >= 0x80 && code <= 0xff);
const isOws = (ch: string | undefined): boolean => ch === " " || ch === "\t";

/** Parses one entity tag; returns undefined unless the whole value is exactly one tag (surrounding OWS allowed). */
export function parseEntityTag(value: string): EntityTag | undefined {
  const list = scan(value.trim(), true);
  return list.complete && list.tags.length === 1 ? list.tags[0] : undefined;
}

/** Parses `"*"` or a comma-separated list of entity tags (empty elements skipped). */
export function parseEntityTagList(value: string): EntityTagList {
  if (value.trim() === "*") return { any: true, tags: [] };
  return { any: false, tags: scan(value, false).tags };
}

function scan(value: string, single: boolean): { tags: EntityTag[]; complete: boolean } {
  const tags: EntityTag[] = [];
  let i = 0;
  const n = value.length;
  for (;;) {
    // Skip OWS and empty list elements.
    while (i < n && (isOws(value[i]) || (!single && value[i] === ","))) i++;
    if (i >= n) return { tags, complete: true };
    let weak = false;
    if (value.startsWith("W/", i)) {
      weak = true;
      i += 2;
    }
    if (value[i] !== '"') return { tags, complete: false };
    const begin = i;
    i++;
    while (i < n && value[i] !== '"') {
      if (!isEtagc(value.charCodeAt(i))) return { tags, complete: false };
      i++;
    }
    if (i >= n) return { tags, complete: false };
    i++;
    tags.push({ weak, opaque: value.slice(begin, i) });
    while (i < n && isOws(value[i])) i++;
    if (i < n && (single || value[i] !== ",")) return { tags, complete: false };
  }
}

/** Strong comparison (§8.8.3.2): both strong and the opaque tags identical. */
export function strongMatch(a: EntityTag, b: EntityTag): boolean {
  return !a.weak && !b.weak && a.opaque === b.opaque;
}

/** Weak comparison (§8.8.3.2): the opaque tags identical, either or both may be weak. */
export function weakMatch(a: EntityTag, b: EntityTag): boolean {
  return a.opaque === b.opaque;
}
