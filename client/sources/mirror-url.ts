/**
 * The check of a plain HTTP(S) mirror URL (`--mirror`, `EnqueueOptions.mirrors`), in a module
 * that loads nothing else so the CLI can check its options while parsing them. A mirror is never
 * trusted (every piece is checked against the pieces root, docs/downloads.md "Sources"), but its
 * URL is stored in the job database and shown by `peer downloads show`, so it must hold no
 * user name or password.
 */

/** A checked URL, or what was wrong with it. */
export type MirrorUrlCheck =
  | { readonly ok: true; readonly value: string }
  | { readonly ok: false; readonly error: string };

/** Checks and normalises a mirror URL (WHATWG URL serialisation, fragment dropped: it is never sent). */
export function checkMirrorUrl(text: unknown): MirrorUrlCheck {
  if (typeof text !== "string" || text.trim() === "") {
    return { ok: false, error: "give the mirror as the http:// or https:// URL of the file" };
  }
  let url: URL;
  try {
    url = new URL(text.trim());
  } catch {
    return { ok: false, error: `"${text}" is not a URL; give the mirror as https://host/path/file` };
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") {
    return { ok: false, error: `a mirror must be an http:// or https:// URL, got "${url.protocol}"` };
  }
  if (url.username !== "" || url.password !== "") {
    return {
      ok: false,
      error:
        "a mirror URL must not hold a user name or password: it is stored in the job database and shown by " +
        "peer downloads show; use a URL that needs no login",
    };
  }
  url.hash = "";
  return { ok: true, value: url.href };
}
