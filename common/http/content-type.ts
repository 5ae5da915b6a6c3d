/**
 * The media type of a file from its name: the one rule for the file route, links, the web
 * page and a download served while it runs (`peer get --stream`). Table-tested in
 * test/server/files/validators.test.ts.
 */
import { createRequire } from "node:module";
import type * as MimeTypes from "mime-types";

// mime-types builds its maps over all of mime-db when loaded (≈ 35 ms of a `peer serve` start,
// docs/performance.md): loaded on the first media type asked for, not at start-up.
let mimeTypes: typeof MimeTypes | undefined;
function mime(): typeof MimeTypes {
  mimeTypes ??= createRequire(import.meta.url)("mime-types") as typeof MimeTypes;
  return mimeTypes;
}

/** The media type used when the extension is unknown. */
export const DEFAULT_CONTENT_TYPE = "application/octet-stream";

/**
 * Media type guessed from the last extension of `name` (case-insensitive) by mime-db;
 * {@link DEFAULT_CONTENT_TYPE} when there is none or it is unknown. A leading
 * dot alone (".bashrc") is not an extension.
 */
export function contentTypeFor(name: string): string {
  const dot = name.lastIndexOf(".");
  if (dot <= 0 || dot === name.length - 1) return DEFAULT_CONTENT_TYPE;
  // mime-db (through mime-types) knows the media library's extensions too (.srt, .vtt, .nfo, .m2ts, .mka…);
  // contentType() adds `charset=utf-8` to text types.
  const type = mime().lookup(name.slice(dot + 1).toLowerCase());
  return type === false ? DEFAULT_CONTENT_TYPE : mime().contentType(type) || DEFAULT_CONTENT_TYPE;
}
