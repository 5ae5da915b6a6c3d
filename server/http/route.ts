/**
 * Route templates of `google.api.http` rules (google/api/http.proto), e.g.
 * `/v1/files/{item_id=**}`, compiled into a matcher over raw request paths.
 * Pure. The subset understood: literal segments, `*`, `**` (last only) and
 * one `{field}` / `{field=...}` variable; verbs (`:verb`) are refused.
 *
 * Each captured path segment is percent-decoded exactly once. A decoded
 * segment that is empty, `.`, `..`, or contains `/`, `\` or NUL cannot be
 * part of an item id: it yields `not-found`, the same answer as an unknown id.
 */

/** Result of {@link RouteMatcher.match}. */
export type RouteMatch =
  /** The path is not under the route's literal prefix: not ours (the caller's fallback answers). */
  | { readonly kind: "outside" }
  /** Under the prefix but not a valid item id: answer exactly like an unknown id (404). */
  | { readonly kind: "not-found" }
  /** The decoded value of the template's variable. */
  | { readonly kind: "match"; readonly value: string };

/** A compiled route template. */
export interface RouteMatcher {
  /** The template it was compiled from. */
  readonly template: string;
  /** Literal path prefix up to the first wildcard, e.g. `/v1/files/`. */
  readonly prefix: string;
  /** Matches a request target (`req.url`: path, optional query; absolute-form tolerated). */
  match(target: string): RouteMatch;
}

type Segment =
  | { readonly kind: "literal"; readonly text: string }
  | { readonly kind: "one" }
  | { readonly kind: "many" };

/** Parses the segments of a template; `captureAt` marks the variable's first and one-past-last segment. */
function parseTemplate(template: string): {
  segments: Segment[];
  captureFrom: number;
  captureTo: number;
  variable: string;
} {
  if (!template.startsWith("/")) throw new Error(`route template "${template}" must start with "/"`);
  if (/:[^}]*$/.test(template)) throw new Error(`route template "${template}": custom verbs are not supported`);
  const segments: Segment[] = [];
  let captureFrom = -1;
  let captureTo = -1;
  let variable = "";
  const tokens = template.slice(1).match(/\{[^}]*\}|[^/]+/g) ?? [];
  for (const token of tokens) {
    if (token.startsWith("{")) {
      if (captureFrom >= 0) throw new Error(`route template "${template}": only one variable is supported`);
      const m = /^\{([A-Za-z_][A-Za-z0-9_.]*)(?:=([^}]*))?\}$/.exec(token);
      if (!m) throw new Error(`route template "${template}": bad variable ${token}`);
      variable = m[1]!;
      captureFrom = segments.length;
      for (const part of (m[2] ?? "*").split("/")) segments.push(segmentOf(part, template));
      captureTo = segments.length;
    } else {
      segments.push(segmentOf(token, template));
    }
  }
  if (captureFrom < 0) throw new Error(`route template "${template}" has no variable to bind the item id`);
  const many = segments.findIndex((s) => s.kind === "many");
  if (many >= 0 && many !== segments.length - 1)
    throw new Error(`route template "${template}": "**" must be the last segment`);
  // A "/" inside a variable's pattern splits it; check the raw template had no empty segments.
  if (
    template
      .slice(1)
      .split("/")
      .some((s) => s === "")
  )
    throw new Error(`route template "${template}" has an empty segment`);
  return { segments, captureFrom, captureTo, variable };
}

function segmentOf(text: string, template: string): Segment {
  if (text === "*") return { kind: "one" };
  if (text === "**") return { kind: "many" };
  if (text === "" || /[*{}]/.test(text)) throw new Error(`route template "${template}": bad segment "${text}"`);
  return { kind: "literal", text };
}

/** Decodes one path segment once; undefined when it cannot be (part of) an item id. */
export function decodeSegment(raw: string): string | undefined {
  let decoded: string;
  try {
    decoded = decodeURIComponent(raw);
  } catch {
    return undefined; // malformed %-escape or invalid UTF-8
  }
  if (decoded === "" || decoded === "." || decoded === "..") return undefined;
  if (/[/\\\u0000]/.test(decoded)) return undefined;
  return decoded;
}

/** The path of a request target: query dropped; for absolute-form, scheme and authority dropped (no normalisation). */
export function targetPath(target: string): string {
  let path = target;
  const q = path.search(/[?#]/);
  if (q >= 0) path = path.slice(0, q);
  const abs = /^[a-z][a-z0-9+.-]*:\/\/[^/]*/i.exec(path);
  if (abs) path = path.slice(abs[0].length) || "/";
  return path;
}

/** Compiles a `google.api.http` path template into a {@link RouteMatcher}. Throws on templates it does not understand. */
export function compileRoute(template: string): RouteMatcher {
  const { segments, captureFrom, captureTo } = parseTemplate(template);
  const firstWild = segments.findIndex((s) => s.kind !== "literal");
  const literalCount = firstWild < 0 ? segments.length : firstWild;
  const prefix =
    "/" +
    segments
      .slice(0, literalCount)
      .map((s) => (s.kind === "literal" ? s.text + "/" : ""))
      .join("");

  function match(target: string): RouteMatch {
    const path = targetPath(target);
    if (!path.startsWith(prefix)) return { kind: "outside" };
    const raw = path.slice(1).split("/");
    const captured: string[] = [];
    let i = 0;
    for (let s = 0; s < segments.length; s++) {
      const segment = segments[s]!;
      const inCapture = s >= captureFrom && s < captureTo;
      if (segment.kind === "many") {
        const rest = raw.slice(i);
        i = raw.length;
        // "**" may match zero segments, but an item id must not be empty.
        if (inCapture) captured.push(...rest);
        continue;
      }
      const part = raw[i++];
      if (part === undefined) return { kind: "not-found" };
      if (segment.kind === "literal" && part !== segment.text) return { kind: "not-found" };
      if (inCapture) captured.push(part);
    }
    if (i !== raw.length || captured.length === 0) return { kind: "not-found" };
    const decoded: string[] = [];
    for (const part of captured) {
      const d = decodeSegment(part);
      if (d === undefined) return { kind: "not-found" };
      decoded.push(d);
    }
    return { kind: "match", value: decoded.join("/") };
  }

  return { template, prefix, match };
}
