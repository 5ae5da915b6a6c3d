/**
 * The Range header (RFC 9110 §14.1–§14.2), parsed against a file size.
 * Pure: no I/O, never throws, BigInt arithmetic so that 20-digit positions
 * neither lose precision nor crash.
 *
 *   Range = ranges-specifier ; ranges-specifier = range-unit "=" range-set
 *   range-set = 1#range-spec ; range-spec = int-range / suffix-range / other-range
 *   int-range = first-pos "-" [ last-pos ] ; suffix-range = "-" suffix-length
 */

/** One satisfiable byte range, inclusive at both ends (as in Content-Range). */
export interface ByteRange {
  /** First byte offset. */
  readonly first: number;
  /** Last byte offset (inclusive), always < size. */
  readonly last: number;
}

/** Why a Range header is answered as if it were absent (200, whole body). */
export type IgnoreReason =
  | "absent"
  /** Not valid range-set syntax, e.g. `bytes=abc`, `bytes=5-2`, `bytes 0-1` (§14.2: MUST ignore). */
  | "invalid"
  /** A unit other than `bytes` (§14.1: MUST ignore). */
  | "unit"
  /** Empty file: ignoring beats 416 (docs/http.md prefers 200 with Content-Length: 0). */
  | "empty-file"
  /** More ranges than {@link RangeLimits.maxRanges} after coalescing, or more specs than maxSpecs. */
  | "too-many"
  /** Overlapping ranges asking for more bytes than the file holds (CVE-2011-3192, "Apache Killer"). */
  | "overlap";

/** The outcome of {@link parseRange}. */
export type RangeResult =
  | { readonly kind: "none"; readonly reason: IgnoreReason }
  /** 416 with `Content-Range: bytes *\/size`. */
  | { readonly kind: "unsatisfiable" }
  /** 206: coalesced ranges in request order (one ⇒ single part, several ⇒ multipart). */
  | { readonly kind: "ranges"; readonly ranges: readonly ByteRange[] };

/** Abuse limits and coalescing; see RFC 9110 §17.15. */
export interface RangeLimits {
  /** Most ranges served after coalescing (nginx's `max_ranges` idea). @default 32 */
  readonly maxRanges: number;
  /** Most range-specs read from one header before giving up (bounds the work). @default 1024 */
  readonly maxSpecs: number;
  /**
   * Ranges separated by at most this many bytes are merged: one part costs
   * about a hundred bytes of multipart headers, more than sending the gap. @default 80
   */
  readonly coalesceGap: number;
}

/** The limits used when none are given. */
export const DEFAULT_RANGE_LIMITS: RangeLimits = Object.freeze({ maxRanges: 32, maxSpecs: 1024, coalesceGap: 80 });

const UNIT = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
const INT_RANGE = /^(\d+)-(\d*)$/;
const SUFFIX_RANGE = /^-(\d+)$/;

interface Spec {
  readonly first: bigint;
  readonly last: bigint | undefined;
  readonly suffix: boolean;
}

/** Trims optional whitespace (SP / HTAB) only, as the list syntax allows (§5.6.1). */
const trimOws = (s: string): string => s.replace(/^[ \t]+|[ \t]+$/g, "");

/**
 * Parses `header` for a file of `size` bytes.
 * - absent, invalid, unknown unit, empty file, abuse ⇒ `none` (serve 200);
 * - syntactically valid but nothing satisfiable (`bytes=N-`, `bytes=-0`) ⇒ `unsatisfiable` (416);
 * - else the satisfiable ranges, clamped to the file, coalesced, in request order.
 */
export function parseRange(
  header: string | undefined,
  size: number,
  limits: RangeLimits = DEFAULT_RANGE_LIMITS,
): RangeResult {
  if (header === undefined) return { kind: "none", reason: "absent" };
  const eq = header.indexOf("=");
  if (eq < 0) return { kind: "none", reason: "invalid" };
  const unit = header.slice(0, eq);
  if (!UNIT.test(unit)) return { kind: "none", reason: "invalid" };
  // Units are case-insensitive (§14.1): "Bytes=" is bytes. Go answers 416 here.
  if (unit.toLowerCase() !== "bytes") return { kind: "none", reason: "unit" };

  const specs: Spec[] = [];
  for (const raw of header.slice(eq + 1).split(",")) {
    const element = trimOws(raw);
    if (element === "") continue; // empty list elements are skipped (§5.6.1)
    if (specs.length >= limits.maxSpecs) return { kind: "none", reason: "too-many" };
    let m = INT_RANGE.exec(element);
    if (m) {
      const first = BigInt(m[1]!);
      const last = m[2] === "" ? undefined : BigInt(m[2]!);
      // §14.1.1: an int-range whose last-pos is below first-pos is invalid.
      if (last !== undefined && last < first) return { kind: "none", reason: "invalid" };
      specs.push({ first, last, suffix: false });
      continue;
    }
    m = SUFFIX_RANGE.exec(element);
    if (m) {
      specs.push({ first: BigInt(m[1]!), last: undefined, suffix: true });
      continue;
    }
    return { kind: "none", reason: "invalid" };
  }
  if (specs.length === 0) return { kind: "none", reason: "invalid" };
  if (size === 0) return { kind: "none", reason: "empty-file" };

  const big = BigInt(size);
  const satisfiable: { range: ByteRange; order: number }[] = [];
  specs.forEach((spec, order) => {
    if (spec.suffix) {
      // suffix-length 0 (`bytes=-0`) selects nothing: unsatisfiable, never a 206 (Go gets this wrong).
      if (spec.first === 0n) return;
      const first = spec.first >= big ? 0n : big - spec.first;
      satisfiable.push({ range: { first: Number(first), last: size - 1 }, order });
      return;
    }
    if (spec.first >= big) return;
    const last = spec.last === undefined || spec.last >= big ? big - 1n : spec.last;
    satisfiable.push({ range: { first: Number(spec.first), last: Number(last) }, order });
  });
  if (satisfiable.length === 0) return { kind: "unsatisfiable" };
  if (satisfiable.length === 1) return { kind: "ranges", ranges: [satisfiable[0]!.range] };

  // Coalesce: sort by offset, merge overlapping, adjacent and nearly adjacent
  // ranges; a merged range keeps the earliest request position of its members.
  const sorted = [...satisfiable].sort((a, b) => a.range.first - b.range.first || a.order - b.order);
  const merged: { first: number; last: number; order: number }[] = [];
  let requested = 0;
  for (const { range, order } of sorted) {
    requested += range.last - range.first + 1;
    const prev = merged[merged.length - 1];
    if (prev !== undefined && range.first <= prev.last + 1 + limits.coalesceGap) {
      prev.last = Math.max(prev.last, range.last);
      prev.order = Math.min(prev.order, order);
    } else {
      merged.push({ first: range.first, last: range.last, order });
    }
  }
  // Bytes covered at least once (the union, without the coalescing gaps).
  let union = 0;
  let covered = -1;
  for (const { range } of sorted) {
    union += Math.max(0, range.last - Math.max(range.first, covered + 1) + 1);
    covered = Math.max(covered, range.last);
  }
  // Heavy overlap: the same bytes asked for again, more in total than the file (Go's rule, restricted to real overlaps).
  if (requested > union && requested > size) return { kind: "none", reason: "overlap" };
  if (merged.length > limits.maxRanges) return { kind: "none", reason: "too-many" };
  merged.sort((a, b) => a.order - b.order);
  return { kind: "ranges", ranges: merged.map(({ first, last }) => ({ first, last })) };
}
