/**
 * Cross-site request checks for the web page's POSTs (pure). A form post must
 * come from a page of this server: its `Origin` must be this server's origin
 * (as the browser reached it, or the public URL). Without an Origin header,
 * only `Sec-Fetch-Site: same-origin` is accepted. Sessions add a CSRF token on top.
 */

/** What the check needs from the request. */
export interface OriginFacts {
  /** The `Origin` header. */
  readonly origin: string | undefined;
  /** The `Sec-Fetch-Site` header. */
  readonly secFetchSite: string | undefined;
  /** Host (HTTP/1.1) or :authority (HTTP/2) the request was sent to. */
  readonly host: string | undefined;
  /** Whether the connection is TLS. */
  readonly tls: boolean;
  /** The server's public base URL, if any. */
  readonly publicUrl?: string | undefined;
}

/** True when the request comes from one of this server's own pages. */
export function isSameOrigin(facts: OriginFacts): boolean {
  if (facts.origin === undefined) return facts.secFetchSite === "same-origin";
  if (facts.origin === "null") return false;
  const allowed = new Set<string>();
  if (facts.host !== undefined && facts.host !== "")
    allowed.add(`${facts.tls ? "https" : "http"}://${facts.host.toLowerCase()}`);
  if (facts.publicUrl !== undefined) {
    try {
      allowed.add(new URL(facts.publicUrl).origin);
    } catch {
      // An unparsable public URL allows nothing more.
    }
  }
  return allowed.has(facts.origin.toLowerCase());
}
