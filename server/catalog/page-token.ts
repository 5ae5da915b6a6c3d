/**
 * Opaque page tokens for ListItems: base64url of a small versioned JSON
 * object holding the last id returned. Pure; table-tested.
 */

/** A page token that this server did not issue (or that was altered). */
export class InvalidPageTokenError extends Error {
  constructor(message = "the page token is not valid: pass the next_page_token of a previous response, or none") {
    super(message);
    this.name = "InvalidPageTokenError";
  }
}

/** Longest token accepted; ids are bounded, so real tokens are far shorter. */
const MAX_TOKEN_LENGTH = 8192;

/** Encodes "continue after this id" as an opaque token. */
export function encodePageToken(afterId: string): string {
  return Buffer.from(JSON.stringify({ v: 1, after: afterId }), "utf8").toString("base64url");
}

/** Decodes a token from {@link encodePageToken}; throws {@link InvalidPageTokenError} on anything else. */
export function decodePageToken(token: string): string {
  if (token.length === 0 || token.length > MAX_TOKEN_LENGTH || !/^[A-Za-z0-9_-]+$/.test(token)) {
    throw new InvalidPageTokenError();
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(token, "base64url").toString("utf8"));
  } catch {
    throw new InvalidPageTokenError();
  }
  if (
    typeof parsed !== "object" ||
    parsed === null ||
    (parsed as { v?: unknown }).v !== 1 ||
    typeof (parsed as { after?: unknown }).after !== "string" ||
    (parsed as { after: string }).after.length === 0
  ) {
    throw new InvalidPageTokenError();
  }
  return (parsed as { after: string }).after;
}
