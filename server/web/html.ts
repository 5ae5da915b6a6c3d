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

/** Escapes text for element content and quoted attribute values (`& < > " ' \``). */
export function escapeHtml(text: string): string {
  // Lone surrogates and C0 controls have no business in a page; U+FFFD keeps the length visible.
  return text
    .replace(/[&<>"'`]/g, (c) => ESCAPES[c] as string)
    .replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]|[\ud800-\udfff]/gu, "\ufffd");
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
