/**
 * Pure extraction of the presented API key from request headers:
 * `Authorization: Bearer <key>` (RFC 6750 §2.1) or `X-Api-Key: <key>`.
 * Verification is the key store's job; this only finds the string.
 */

/** Longest key accepted from a header; real keys are far shorter. */
export const MAX_PRESENTED_KEY_LENGTH = 512;

/** A key is one token of visible ASCII (RFC 6750 b64token is a subset). */
const TOKEN = /^[\x21-\x7e]+$/;

function clean(value: string | null | undefined): string | undefined {
  if (value === null || value === undefined) return undefined;
  const v = value.trim();
  if (v.length === 0 || v.length > MAX_PRESENTED_KEY_LENGTH || !TOKEN.test(v)) return undefined;
  return v;
}

/**
 * The key presented by a request, from an `Authorization` header using the
 * Bearer scheme (case-insensitive scheme name) or else an `X-Api-Key` header;
 * undefined when neither holds a well-formed key. A malformed Authorization
 * header does not fall back to X-Api-Key: the client said what it meant.
 */
export function extractApiKey(
  authorization: string | null | undefined,
  xApiKey: string | null | undefined,
): string | undefined {
  if (authorization !== null && authorization !== undefined && authorization.trim() !== "") {
    const match = /^\s*bearer[ \t]+(\S+)\s*$/i.exec(authorization);
    return match === null ? undefined : clean(match[1]);
  }
  return clean(xApiKey);
}

/** Same as {@link extractApiKey}, reading a Fetch-API `Headers` object (Connect's request headers). */
export function apiKeyFromHeaders(headers: Headers): string | undefined {
  return extractApiKey(headers.get("authorization"), headers.get("x-api-key"));
}
