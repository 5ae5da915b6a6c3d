/**
 * The checks of RFC 9113 §8.2–§8.3 on a decoded response head and trailers, for the raw
 * HTTP/2 reader. Pure: a malformed list throws the PROTOCOL_ERROR of h2-errors.ts.
 */
import type { HeaderField } from "./hpack-decoder.js";
import { H2Error } from "./h2-frames.js";
import { h2Error } from "./h2-errors.js";

/** Fields that only HTTP/1.1 has (§8.2.2). */
const CONNECTION_SPECIFIC = new Set(["connection", "keep-alive", "proxy-connection", "transfer-encoding", "upgrade"]);

/** A decoded response head. */
export interface H2ResponseHead {
  readonly status: number;
  readonly headers: Headers;
  /** The content-length field, or -1. */
  readonly contentLength: number;
}

function regular(name: string, value: string, into: Headers): void {
  if (name.startsWith(":"))
    throw h2Error(`the pseudo-header ${name} after a regular field, or in trailers`, H2Error.PROTOCOL_ERROR);
  if (!/^[!#$%&'*+.^_`|~0-9a-z-]+$/.test(name))
    throw h2Error(`a field named ${JSON.stringify(name)}`, H2Error.PROTOCOL_ERROR);
  if (/[\0\r\n]/.test(value)) throw h2Error(`the field ${name} carries NUL, CR or LF`, H2Error.PROTOCOL_ERROR);
  if (CONNECTION_SPECIFIC.has(name)) throw h2Error(`the connection-specific field ${name}`, H2Error.PROTOCOL_ERROR);
  into.append(name, value);
}

/** A response head (§8.3.2: exactly one `:status`, first; no other pseudo-header). */
export function responseHead(fields: readonly HeaderField[]): H2ResponseHead {
  let status = -1;
  let i = 0;
  for (; i < fields.length && (fields[i] as HeaderField)[0].startsWith(":"); i++) {
    const [name, value] = fields[i] as HeaderField;
    if (name !== ":status" || status >= 0)
      throw h2Error(`the pseudo-header ${name} in a response`, H2Error.PROTOCOL_ERROR);
    if (!/^[1-9][0-9][0-9]$/.test(value))
      throw h2Error(`a :status of ${JSON.stringify(value)}`, H2Error.PROTOCOL_ERROR);
    status = Number(value);
  }
  if (status < 0) throw h2Error("a response without :status", H2Error.PROTOCOL_ERROR);
  if (status === 101) throw h2Error("101 in HTTP/2", H2Error.PROTOCOL_ERROR);
  const headers = new Headers();
  for (; i < fields.length; i++) regular((fields[i] as HeaderField)[0], (fields[i] as HeaderField)[1], headers);
  const length = headers.get("content-length");
  if (length !== null && !/^[0-9]{1,15}$/.test(length)) throw h2Error("a bad content-length", H2Error.PROTOCOL_ERROR);
  return { status, headers, contentLength: length === null ? -1 : Number(length) };
}

/** Trailers (§8.1: no pseudo-headers). */
export function trailerFields(fields: readonly HeaderField[]): Headers {
  const out = new Headers();
  for (const [name, value] of fields) regular(name, value, out);
  return out;
}
