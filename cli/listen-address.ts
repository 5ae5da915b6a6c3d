import { isIP } from "node:net";
import type { Parsed } from "./duration.js";

/** Where `peer serve` listens. */
export interface ListenAddress {
  /** Host name or IP literal (IPv6 without brackets). */
  readonly host: string;
  /** TCP port; 0 lets the system pick a free one. */
  readonly port: number;
}

const HOST_NAME = /^[A-Za-z0-9](?:[A-Za-z0-9.-]{0,251}[A-Za-z0-9])?$/;

/**
 * Parses `HOST:PORT`, `[IPv6]:PORT`, `:PORT` or a bare `PORT`. A missing host
 * means `defaultHost` (loopback), never all interfaces: exposing a peer to the
 * network takes an explicit `0.0.0.0:PORT`.
 */
export function parseListenAddress(text: string, defaultHost = "127.0.0.1"): Parsed<ListenAddress> {
  const input = text.trim();
  let host: string;
  let portText: string;
  const bracketed = /^\[([^\]]+)\]:(.*)$/.exec(input);
  if (bracketed !== null) {
    host = bracketed[1] as string;
    portText = bracketed[2] as string;
    if (isIP(host) !== 6) return { ok: false, error: `"${host}" in brackets is not an IPv6 address` };
  } else if (/^\d+$/.test(input)) {
    host = defaultHost;
    portText = input;
  } else {
    const colon = input.lastIndexOf(":");
    if (colon < 0) return { ok: false, error: `"${text}" has no port; write HOST:PORT, e.g. 127.0.0.1:8080` };
    host = input.slice(0, colon) || defaultHost;
    portText = input.slice(colon + 1);
    if (host.includes(":")) {
      return { ok: false, error: `put an IPv6 address in brackets, e.g. [::1]:8080` };
    }
    if (isIP(host) === 0 && !HOST_NAME.test(host))
      return { ok: false, error: `"${host}" is not a host name or IP address` };
  }
  if (!/^\d{1,5}$/.test(portText) || Number(portText) > 65535) {
    return { ok: false, error: `"${portText}" is not a port; use 0–65535 (0 picks a free port)` };
  }
  return { ok: true, value: { host, port: Number(portText) } };
}
