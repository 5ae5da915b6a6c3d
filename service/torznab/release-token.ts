/**
 * A download link names the release's holders (remote name + item id) in its path, so a link
 * works after a restart and from an *arr's RSS cache: base64url of a JSON list of pairs. It
 * carries no secret; the route still needs a `downloads` key, and only the server's own
 * remotes are ever asked (docs/torznab.md "Download links").
 */
import { isRemoteName } from "../../client/remotes/index.js";
import type { ReleaseHolder } from "./release-search.js";

/** Most holders named by one link. */
export const MAX_HOLDERS = 16;
/** Longest item id accepted in a link (UTF-16 units). */
export const MAX_ITEM_ID_LENGTH = 4096;

/** The token of a release's holders. */
export function encodeReleaseToken(holders: ReleaseHolder[]): string {
  const pairs = holders.slice(0, MAX_HOLDERS).map((holder) => [holder.remote, holder.itemId]);
  return Buffer.from(JSON.stringify(pairs), "utf8").toString("base64url");
}

/** The holders of a token, or a message saying why it is not one. */
export function decodeReleaseToken(token: string): ReleaseHolder[] | string {
  if (token === "" || token.length > 4 * MAX_HOLDERS * MAX_ITEM_ID_LENGTH || !/^[A-Za-z0-9_-]+$/.test(token))
    return "the link is not one this server made";
  let pairs: unknown;
  try {
    pairs = JSON.parse(Buffer.from(token, "base64url").toString("utf8"));
  } catch {
    return "the link is not one this server made";
  }
  if (!Array.isArray(pairs) || pairs.length === 0 || pairs.length > MAX_HOLDERS)
    return "the link names no holders, or too many";
  const holders: ReleaseHolder[] = [];
  for (const pair of pairs) {
    if (!Array.isArray(pair) || pair.length !== 2) return "the link's holders are malformed";
    const [remote, itemId] = pair as unknown[];
    if (typeof remote !== "string" || !isRemoteName(remote)) return "the link names an invalid remote";
    if (!isItemId(itemId)) return "the link names an invalid item id";
    holders.push({ remote, itemId });
  }
  return holders;
}

/** `<share>/<path>`, or a folder `<share>/<path>/`: no empty, `.` or `..` segment, no control characters, bounded. */
function isItemId(value: unknown): value is string {
  if (typeof value !== "string" || value.length === 0 || value.length > MAX_ITEM_ID_LENGTH) return false;
  if (/[\u0000-\u001f\u007f]/.test(value)) return false;
  const path = value.endsWith("/") ? value.slice(0, -1) : value;
  return path.split("/").every((segment) => segment !== "" && segment !== "." && segment !== "..");
}
