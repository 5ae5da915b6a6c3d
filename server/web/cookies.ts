/** Cookies of the web page (pure): reading the session cookie, and the Set-Cookie values. */

/**
 * Whether the session cookie is `Secure` with the `__Host-` prefix: when the
 * listener speaks TLS, or when browsers reach the peer over https through a
 * proxy (`--public-url https://…`), even though the proxy talks plain HTTP to us.
 */
export function secureCookies(tls: boolean, publicUrl: string | undefined): boolean {
  return tls || (publicUrl !== undefined && /^https:/i.test(publicUrl));
}

/** Cookie name: `__Host-` when secure (the browser then insists on Secure, Path=/ and no Domain). */
export function sessionCookieName(secure: boolean): string {
  return secure ? "__Host-peer_session" : "peer_session";
}

/** The value of cookie `name` in a Cookie header (the first one), or undefined. */
export function readCookie(header: string | undefined, name: string): string | undefined {
  if (header === undefined) return undefined;
  for (const part of header.split(";")) {
    const eq = part.indexOf("=");
    if (eq < 0) continue;
    if (part.slice(0, eq).trim() === name)
      return part
        .slice(eq + 1)
        .trim()
        .replace(/^"(.*)"$/, "$1");
  }
  return undefined;
}

/** Set-Cookie for a new session: HttpOnly, SameSite=Strict, Path=/, Max-Age, and Secure when `secure`. */
export function sessionCookie(token: string, maxAgeSeconds: number, secure: boolean): string {
  const flag = secure ? "; Secure" : "";
  return `${sessionCookieName(secure)}=${token}; Path=/; Max-Age=${Math.max(0, Math.floor(maxAgeSeconds))}; HttpOnly; SameSite=Strict${flag}`;
}

/** Set-Cookie that removes the session cookie. */
export function clearedSessionCookie(secure: boolean): string {
  return sessionCookie("", 0, secure);
}
