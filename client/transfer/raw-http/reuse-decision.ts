/**
 * Whether the connection of a finished HTTP/1.1 exchange may carry the next request
 * (RFC 9112 §9.3 persistence, §9.6 `close`), and how long it may wait idle for one. Pure;
 * table-tested. Only a response that ended exactly where its framing says, read to its end
 * with nothing after it, on a socket that saw no fault, leaves the connection in a known state
 * (docs/downloads.md "Connections of the raw HTTP/1.1 reader").
 */
import type { BodyFraming } from "./body-framing.js";

/** What is known of an exchange once its reader is done with it. */
export interface ExchangeEnd {
  /** The response's HTTP version (its status line). */
  readonly version: "1.0" | "1.1";
  readonly status: number;
  /** The response's `connection` field, if any. */
  readonly connection: string | undefined;
  /** The response's `keep-alive` field, if any (`timeout=5`: Node's server). */
  readonly keepAlive: string | undefined;
  /** How the body was delimited. */
  readonly framing: BodyFraming["kind"];
  /** The body's framing ended: every Content-Length byte, or the last chunk and its trailers. */
  readonly bodyComplete: boolean;
  /** Bytes received after the body's end. */
  readonly extraBytes: number;
  /** Every chunk of the body was handed to the reader, which then asked for more or returned: it holds none. */
  readonly readToEnd: boolean;
  /** A socket error, an abort, a failure, or the server's end or close of the connection happened. */
  readonly faulted: boolean;
}

/** Keep the connection for `idleMs` at most, or close it (the reason, for tests and logs). */
export type ReuseDecision =
  | { readonly reuse: true; readonly idleMs: number }
  | { readonly reuse: false; readonly reason: string };

/** Margin kept below a server's announced idle timeout, so the client gives up the connection first: 1 s. */
export const SERVER_TIMEOUT_MARGIN_MS = 1000;

/** The `timeout` parameter of a `Keep-Alive` field in seconds, or undefined. */
export function keepAliveTimeoutSeconds(field: string | undefined): number | undefined {
  if (field === undefined) return undefined;
  for (const part of field.split(",")) {
    const m = /^\s*timeout\s*=\s*(\d{1,9})\s*$/i.exec(part);
    if (m?.[1] !== undefined) return Number(m[1]);
  }
  return undefined;
}

/** Whether `connection` lists the `close` option (a comma-separated token list, any case). */
function listsClose(connection: string | undefined): boolean {
  return connection?.split(",").some((t) => t.trim().toLowerCase() === "close") ?? false;
}

/** The decision for an exchange's connection; `idleMs` is the client's own idle limit. */
export function reuseDecision(end: ExchangeEnd, idleMs: number): ReuseDecision {
  const no = (reason: string): ReuseDecision => ({ reuse: false, reason });
  if (end.faulted) return no("the exchange faulted");
  if (end.version !== "1.1") return no("not an HTTP/1.1 response");
  if (end.status === 101) return no("a protocol switch was never asked for");
  if (listsClose(end.connection)) return no("the server closes the connection");
  if (end.framing === "close") return no("the body ends with the connection");
  if (!end.bodyComplete) return no("the body is not complete");
  if (end.extraBytes > 0) return no("bytes followed the body");
  if (!end.readToEnd) return no("the body was not read to its end");
  const serverSeconds = keepAliveTimeoutSeconds(end.keepAlive);
  const limit =
    serverSeconds === undefined ? idleMs : Math.min(idleMs, serverSeconds * 1000 - SERVER_TIMEOUT_MARGIN_MS);
  if (limit <= 0) return no("the server keeps an idle connection too briefly");
  return { reuse: true, idleMs: limit };
}
