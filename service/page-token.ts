/** ListDownloads page tokens: an opaque offset (base64url of `o:<n>`); anything else is INVALID_ARGUMENT. */
import { invalid } from "./errors.js";

/** The token of the page starting at `offset`. */
export function encodePageToken(offset: number): string {
  return Buffer.from(`o:${offset}`, "utf8").toString("base64url");
}

/** The offset of a token ("" = 0). */
export function decodePageToken(token: string): number {
  if (token === "") return 0;
  const m = /^o:(\d{1,9})$/.exec(Buffer.from(token.slice(0, 64), "base64url").toString("utf8"));
  if (m === null) throw invalid("page_token is not one this server gave out");
  return Number(m[1]);
}
