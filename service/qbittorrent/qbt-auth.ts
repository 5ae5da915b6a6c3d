/** The key of a qBittorrent API request: `Authorization: Bearer` or `X-Api-Key` (server/auth/token.ts's rule). */
import { extractApiKey } from "../../server/auth/token.js";

/** The presented key of Node request headers, or undefined. */
export function apiKeyFromNodeHeaders(headers: Record<string, string | string[] | undefined>): string | undefined {
  const one = (v: string | string[] | undefined) => (Array.isArray(v) ? v[0] : v);
  return extractApiKey(one(headers.authorization), one(headers["x-api-key"]));
}
