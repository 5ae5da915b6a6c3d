/**
 * Pure checks of an HTTP file-route response (RFC 9110 §14, docs/downloads.md
 * "The HTTP route as a second transport").
 */

/** A parsed `Content-Range: bytes a-b/N` or `bytes *\/N`. */
export type ContentRange =
  | { readonly kind: "range"; readonly first: number; readonly last: number; readonly size: number }
  | { readonly kind: "unsatisfied"; readonly size: number };

/** Parses a Content-Range header; undefined when malformed (RFC 9110 §14.4). */
export function parseContentRange(value: string | undefined): ContentRange | undefined {
  if (value === undefined) return undefined;
  const v = value.trim();
  let m = /^bytes (\d{1,16})-(\d{1,16})\/(\d{1,16})$/i.exec(v);
  if (m !== null) {
    const first = Number(m[1]);
    const last = Number(m[2]);
    const size = Number(m[3]);
    if (first > last || last >= size) return undefined;
    return { kind: "range", first, last, size };
  }
  m = /^bytes \*\/(\d{1,16})$/i.exec(v);
  if (m !== null) return { kind: "unsatisfied", size: Number(m[1]) };
  return undefined;
}

/** Extracts a hex SHA-256 from `X-Content-SHA256` (hex) or `Repr-Digest` (RFC 9530, `sha-256=:base64:`). */
export function parseDigestHeaders(
  xContentSha256: string | undefined,
  reprDigest: string | undefined,
): string | undefined {
  if (xContentSha256 !== undefined && /^[0-9a-fA-F]{64}$/.test(xContentSha256.trim())) {
    return xContentSha256.trim().toLowerCase();
  }
  if (reprDigest !== undefined) {
    const m = /(?:^|,)\s*sha-256=:([A-Za-z0-9+/]{43}=):/.exec(reprDigest);
    if (m?.[1] !== undefined) return Buffer.from(m[1], "base64").toString("hex");
  }
  return undefined;
}

/** Parses a non-negative decimal Content-Length; undefined when absent or malformed. */
export function parseContentLength(value: string | undefined): number | undefined {
  if (value === undefined || !/^\d{1,16}$/.test(value.trim())) return undefined;
  return Number(value.trim());
}

/** Percent-encodes each `/`-separated segment of an item id for the route `GET /v1/files/<id>`. */
export function itemPath(itemId: string): string {
  return `/v1/files/${itemId.split("/").map(encodeURIComponent).join("/")}`;
}
