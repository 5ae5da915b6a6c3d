/**
 * Pure helpers that keep a raw request safe for connect-node. The adapter
 * builds `new URL(path, "http://" + authority)` synchronously inside the
 * request event, so a missing or malformed Host / :authority throws out of
 * the listener and would crash the process. Node's own HTTP/2 client (and so
 * connect-node's gRPC transport) sends an unbracketed IPv6 `:authority`
 * ("::1:8080"), so such requests are common, not only hostile. The server does
 * no virtual hosting, so a bad authority is replaced by the local address.
 */
import net from "node:net";

/** Longest authority accepted (host names are at most 253 characters, plus a port). */
const MAX_AUTHORITY_LENGTH = 300;

/** Whether `authority` (Host header or HTTP/2 `:authority`) is a host[:port] that URL parsing accepts. */
export function isValidAuthority(authority: string | undefined): boolean {
  if (authority === undefined || authority.length === 0 || authority.length > MAX_AUTHORITY_LENGTH) return false;
  // Only host[:port] (RFC 9110 §7.2): no userinfo, path, query, fragment or spaces.
  if (/[/?#@\\\s]/.test(authority)) return false;
  try {
    return new URL(`http://${authority}`).host.length > 0;
  } catch {
    return false;
  }
}

/** An authority naming the socket's local address, e.g. `127.0.0.1:8080` or `[::1]:8080`. */
export function localAuthority(localAddress: string | undefined, localPort: number | undefined): string {
  const host =
    localAddress === undefined || localAddress === ""
      ? "localhost"
      : net.isIPv6(localAddress)
        ? `[${localAddress}]`
        : localAddress;
  return localPort === undefined ? host : `${host}:${localPort}`;
}
