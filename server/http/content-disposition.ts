/**
 * Content-Disposition (RFC 6266) with an RFC 8187 `filename*` for names that
 * a quoted-string cannot carry. Safe for any name a file system returns:
 * quotes, backslashes, CR/LF, control characters, non-ASCII, lone surrogates.
 */

/** `inline` lets browsers show media and PDFs (and seek in them); everything else is a download. */
export type DispositionType = "inline" | "attachment";

// Types a browser renders without running the peer's content as a page (no HTML, SVG, XML, JS).
const INLINE_TYPES = /^(image\/(png|jpeg|gif|webp|avif|bmp)|video\/[a-z0-9.+-]+|audio\/[a-z0-9.+-]+|application\/pdf|text\/plain)(;|$)/i;

/** Chooses `inline` for media, PDF and plain text, `attachment` for the rest (active content stays a download). */
export function dispositionTypeFor(contentType: string): DispositionType {
  return INLINE_TYPES.test(contentType.trim()) ? "inline" : "attachment";
}

// RFC 8187 attr-char: ALPHA / DIGIT / "!" / "#" / "$" / "&" / "+" / "-" / "." / "^" / "_" / "`" / "|" / "~"
const ATTR_CHAR = /^[A-Za-z0-9!#$&+\-.^_`|~]$/;

/** RFC 8187 ext-value: UTF-8 bytes, attr-chars as is, everything else %XX. */
export function encodeExtValue(value: string): string {
  // Buffer.from turns lone surrogates into U+FFFD instead of throwing (encodeURIComponent throws).
  let out = "UTF-8''";
  for (const byte of Buffer.from(value, "utf8")) {
    const ch = String.fromCharCode(byte);
    out += byte < 0x80 && ATTR_CHAR.test(ch) ? ch : "%" + byte.toString(16).toUpperCase().padStart(2, "0");
  }
  return out;
}

/**
 * The ASCII fallback for `filename=`: printable ASCII kept, `"` and `\`
 * (which would need escaping that some clients mishandle), `%` (which some
 * browsers decode) and all other bytes replaced by `_`.
 */
export function asciiFallback(name: string): string {
  const fallback = name.replace(/[^\x20-\x7e]|["\\%]/gu, "_");
  return fallback.trim() === "" ? "download" : fallback;
}

/** Builds the header value, e.g. `attachment; filename="a.bin"` or `inline; filename="_.mp4"; filename*=UTF-8''%C3%A9.mp4`. */
export function contentDisposition(name: string, type: DispositionType = "attachment"): string {
  const fallback = asciiFallback(name);
  // filename* only when the fallback lost something; RFC 6266 §4.3: filename first, then filename*.
  return fallback === name ? `${type}; filename="${fallback}"` : `${type}; filename="${fallback}"; filename*=${encodeExtValue(name)}`;
}
