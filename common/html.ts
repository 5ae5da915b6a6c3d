/**
 * The escape helper of the web page's templates (pure). Templates are plain
 * functions that build HTML with the `html` tag: every interpolated value is
 * escaped unless it is already {@link SafeHtml} (the output of another
 * template), so a file name can never become markup.
 */

/** HTML that is already escaped (built by {@link html}). */
export class SafeHtml {
  /** The markup. */
  readonly text: string;
  constructor(text: string) {
    this.text = text;
  }
  toString(): string {
    return this.text;
  }
}

const ESCAPES: Readonly<Record<string, string>> = {
  "&": "&amp;",
  "<": "&lt;",
  ">": "&gt;",
  '"': "&quot;",
  "'": "&#39;",
  "`": "&#96;",
};

/**
 * Bidirectional controls: embeddings and overrides (U+202A–U+202E), isolates
 * (U+2066–U+2069), marks (U+200E, U+200F, U+061C). One in a name reorders what
 * follows: `photo\u202egpj.exe` reads as `photoexe.jpg`.
 */
const BIDI_CONTROLS = /[\u202a-\u202e\u2066-\u2069\u200e\u200f\u061c]/g;

/**
 * Escapes text for element content and quoted attribute values (`& < > " ' \``),
 * and shows bidi controls as `\u202e` text (as `peer ls` does), so a name reads
 * in its real order, in the page and in a `download` attribute alike.
 */
export function escapeHtml(text: string): string {
  // Lone surrogates and C0 controls have no business in a page; U+FFFD keeps the length visible.
  return text
    .replace(/[&<>"'`]/g, (c) => ESCAPES[c] as string)
    .replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]|[\ud800-\udfff]/gu, "\ufffd")
    .replace(BIDI_CONTROLS, (c) => `\\u${(c.codePointAt(0) ?? 0).toString(16).padStart(4, "0")}`);
}

function render(value: unknown): string {
  if (value instanceof SafeHtml) return value.text;
  if (value === undefined || value === null || value === false) return "";
  if (Array.isArray(value)) return value.map(render).join("");
  return escapeHtml(String(value));
}

/** Tagged template: escapes every value that is not SafeHtml; arrays are joined; null/undefined/false render nothing. */
export function html(strings: TemplateStringsArray, ...values: unknown[]): SafeHtml {
  let out = strings[0] ?? "";
  for (let i = 0; i < values.length; i++) out += render(values[i]) + (strings[i + 1] ?? "");
  return new SafeHtml(out);
}

/** A URL path from raw segments, each percent-encoded (so `?`, `#`, `%` and `/` in names stay names). */
export function pathOf(segments: readonly string[]): string {
  return segments.map((s) => encodeURIComponent(s)).join("/");
}
