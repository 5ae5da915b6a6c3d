/**
 * The connection cap (`--max-connections`, docs/http.md "Limits"): its default
 * from the process's file-descriptor limit (pure, table-tested), and how a
 * connection over the cap is refused.
 */
import { readFileSync } from "node:fs";
import type { Socket } from "node:net";

/** Upper bound of the default cap. @default 1024 */
export const DEFAULT_MAX_CONNECTIONS = 1024;
/** Descriptors kept free besides the streams' open files: SQLite, its WAL, the hash worker, logs, sockets being refused. @default 64 */
export const FD_HEADROOM = 64;
/** Smallest cap a default ever gives. @default 16 */
export const MIN_MAX_CONNECTIONS = 16;

/**
 * The soft `Max open files` of /proc/self/limits text (pure); undefined when
 * absent or "unlimited". Node raises its soft limit to the hard one at start,
 * so this is what the process can really open.
 */
export function parseOpenFilesLimit(procLimits: string): number | undefined {
  const line = procLimits.split("\n").find((l) => l.startsWith("Max open files"));
  const soft = line?.slice("Max open files".length).trim().split(/\s+/)[0];
  if (soft === undefined || !/^[0-9]{1,10}$/.test(soft)) return undefined;
  return Number(soft);
}

/**
 * Default cap (pure): min(1024, fd limit − file streams − 64), never below 16.
 * Each connection holds one descriptor and each running download another (its
 * open file), so the cap leaves room for `maxStreams` files plus headroom.
 * Unknown limit (not Linux): 1024 (Node raises the soft limit to the hard one,
 * which is at least 10240 on macOS).
 */
export function defaultMaxConnections(fdLimit: number | undefined, maxStreams: number): number {
  if (fdLimit === undefined) return DEFAULT_MAX_CONNECTIONS;
  return Math.max(MIN_MAX_CONNECTIONS, Math.min(DEFAULT_MAX_CONNECTIONS, fdLimit - maxStreams - FD_HEADROOM));
}

/** This process's open-files limit (Linux /proc), or undefined. */
export function readOpenFilesLimit(): number | undefined {
  try {
    return parseOpenFilesLimit(readFileSync("/proc/self/limits", "utf8"));
  } catch {
    return undefined;
  }
}

const REFUSAL_BODY = "too many connections to this peer; retry in a moment\n";
/** What an HTTP/1.1 client over the cap reads before the server closes. */
const REFUSAL =
  "HTTP/1.1 503 Service Unavailable\r\nContent-Type: text/plain; charset=utf-8\r\nX-Content-Type-Options: nosniff\r\n" +
  `Cache-Control: no-store\r\nRetry-After: 1\r\nConnection: close\r\nContent-Length: ${REFUSAL_BODY.length}\r\n\r\n` +
  REFUSAL_BODY;

/** Refused connections allowed to linger for their 503 at once; more are closed without one (part of FD_HEADROOM). @default 32 */
export const REFUSAL_BACKLOG = 32;

/** Longest a refused connection is kept to let its 503 reach the client. @default 1000 */
export const REFUSAL_LINGER_MS = 1000;

/**
 * Refuses a cleartext connection over the cap: a 503 with `Retry-After`
 * (HTTP/1.1 clients print it; an h2 client sees a failed connection and retries),
 * then close. The request is read and dropped meanwhile, so closing does not
 * turn into a reset that would discard the 503 at the client.
 */
export function refuseConnection(socket: Socket): void {
  socket.on("error", () => undefined);
  socket.setTimeout(REFUSAL_LINGER_MS, () => socket.destroy());
  socket.resume();
  socket.end(REFUSAL);
}
