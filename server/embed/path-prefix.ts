/**
 * The path prefix an embedded peer is served under (docs/sdk.md): checking it, and taking
 * it off a request target. Pure; table-tested.
 */

/** Why a path prefix is unacceptable, or undefined when it is fine ("" or `/a/b`). */
export function pathPrefixProblem(prefix: string): string | undefined {
  if (typeof prefix !== "string") return 'pathPrefix must be a string such as "/peer" (or "" for the root)';
  if (prefix === "") return undefined;
  const shown = JSON.stringify(prefix.slice(0, 100));
  if (prefix.length > 200) return `pathPrefix ${shown}… is longer than 200 characters`;
  if (!prefix.startsWith("/")) return `pathPrefix ${shown} must start with "/", e.g. "/peer"`;
  if (prefix.endsWith("/")) return `pathPrefix ${shown} must not end with "/"; write "${prefix.replace(/\/+$/, "")}"`;
  // Only unreserved characters and sub-delims (RFC 3986 §3.3): what arrives on the wire equals what is written.
  if (!/^(\/[A-Za-z0-9\-._~!$&'()*+,;=:@]+)+$/.test(prefix)) {
    return `pathPrefix ${shown} must be "/"-separated segments of letters, digits and -._~!$&'()*+,;=:@ (no "//", "%", "?", "#", spaces)`;
  }
  if (prefix.split("/").some((segment) => segment === "." || segment === "..")) {
    return `pathPrefix ${shown} must not contain "." or ".." segments`;
  }
  return undefined;
}

/**
 * The request target below `prefix` (starting with "/", query kept), or undefined when the
 * target is not under it. Segment-wise: "/peer" takes "/peer" and "/peer/x", never "/peerx"
 * or "/peer.v1.PeerService/…". An empty prefix takes every target as it is.
 */
export function stripPathPrefix(target: string, prefix: string): string | undefined {
  if (prefix === "") return target; // at the root every target is the peer's to answer (404 included)
  if (!target.startsWith("/")) return undefined; // absolute-form or "*"
  if (!target.startsWith(prefix)) return undefined;
  const rest = target.slice(prefix.length);
  if (rest === "") return "/";
  if (rest.startsWith("/")) return rest;
  if (rest.startsWith("?")) return `/${rest}`;
  return undefined;
}
