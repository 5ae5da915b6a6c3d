/**
 * Content-Disposition (RFC 6266) with an RFC 8187 `filename*` for names that
 * a quoted-string cannot carry. Safe for any name a file system returns:
 * quotes, backslashes, CR/LF, control characters, non-ASCII, lone surrogates.
 * The header itself comes from the `content-disposition` package (RFC 6266 §4.3:
 * `filename` first, then `filename*` only when the fallback lost something).
 */
import { create } from "content-disposition";

/** `inline` lets browsers show media and PDFs (and seek in them); everything else is a download. */
export type DispositionType = "inline" | "attachment";

// Types a browser renders without running the peer's content as a page (no HTML, SVG, XML, JS).
const INLINE_TYPES =
  /^(image\/(png|jpeg|gif|webp|avif|bmp)|video\/[a-z0-9.+-]+|audio\/[a-z0-9.+-]+|application\/pdf|text\/plain)(;|$)/i;

/** Chooses `inline` for media, PDF and plain text, `attachment` for the rest (active content stays a download). */
export function dispositionTypeFor(contentType: string): DispositionType {
  return INLINE_TYPES.test(contentType.trim()) ? "inline" : "attachment";
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

/**
 * Builds the header value with the `content-disposition` package, e.g. `attachment; filename=a.bin` or
 * `inline; filename=_.mp4; filename*=UTF-8''%C3%A9.mp4`, with our {@link asciiFallback} for `filename`
 * (the package's own keeps `"` and `\`, which some clients mishandle). Lone surrogates become U+FFFD first:
 * the package's encoder (encodeURIComponent) throws on them, and a file system can return such names.
 */
export function contentDisposition(name: string, type: DispositionType = "attachment"): string {
  const wellFormed = Buffer.from(name, "utf8").toString("utf8");
  return create(wellFormed, { type, fallback: asciiFallback(wellFormed) });
}
