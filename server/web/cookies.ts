/** Cookies of the web page (pure): reading the session cookie, and the Set-Cookie values. */

/** Cookie name: `__Host-` under TLS (the browser then insists on Secure, Path=/ and no Domain). */
export function sessionCookieName(tls: boolean): string {
  return tls ? "__Host-peer_session" : "peer_session";
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

/** Set-Cookie for a new session: HttpOnly, SameSite=Strict, Path=/, Max-Age, Secure under TLS. */
export function sessionCookie(token: string, maxAgeSeconds: number, tls: boolean): string {
  const secure = tls ? "; Secure" : "";
  return `${sessionCookieName(tls)}=${token}; Path=/; Max-Age=${Math.max(0, Math.floor(maxAgeSeconds))}; HttpOnly; SameSite=Strict${secure}`;
}

/** Set-Cookie that removes the session cookie. */
export function clearedSessionCookie(tls: boolean): string {
  return sessionCookie("", 0, tls);
}
