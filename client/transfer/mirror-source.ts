/**
 * Reads pieces from a plain HTTP(S) mirror (docs/downloads.md "Sources"): nginx, an object
 * store, a CDN serving the same bytes. A mirror is never trusted, only used: it gets no key,
 * no validator (its ETag is its own), and every piece it sends is checked against the pieces
 * root. {@link checkMirrorRead} decides whether an answer can be used at all.
 */
import type { OpenRead, OpenedRead } from "./read-source.js";
import { getResponse, openResponse } from "./http-source.js";

/** An OpenRead over a mirror URL: `GET <url>` with `Range: bytes=<first>-<last>`. */
export function mirrorSource(url: string): OpenRead {
  const target = new URL(url);
  return async (req) => {
    const last = req.length === undefined ? "" : String(req.offset + req.length - 1);
    const headers = {
      range: `bytes=${req.offset}-${last}`,
      // Ranges are about the bytes on disk: never a content-coding (RFC 9110 §14.1.1).
      "accept-encoding": "identity",
    };
    const res = await getResponse(target, headers, req.signal, req.transient === true);
    try {
      return openResponse(res, req.offset, true, req.expectedSize, undefined, req.length);
    } catch (err) {
      res.destroy();
      throw err;
    }
  };
}

/** What to do with a mirror's answer. */
export type MirrorVerdict =
  | { readonly kind: "ok" }
  /** It answered a range with the whole file (200): not usable for ranges. */
  | { readonly kind: "unusable"; readonly reason: string }
  /** It serves another size: not the file. */
  | { readonly kind: "ban"; readonly reason: string };

/** Checks a mirror's opened read against the range asked and the file's size. Pure. */
export function checkMirrorRead(
  read: Pick<OpenedRead, "start" | "meta" | "full">,
  asked: { readonly offset: number; readonly length: number },
  size: number,
): MirrorVerdict {
  if (read.meta.size !== size)
    return { kind: "ban", reason: `it serves ${read.meta.size} bytes; the file is ${size} bytes` };
  const wholeAsked = asked.offset === 0 && asked.length === size;
  if (read.start !== asked.offset || (read.full === true && !wholeAsked))
    return { kind: "unusable", reason: "it ignores Range requests (it answered with the whole file)" };
  return { kind: "ok" };
}
