/**
 * Idle kept-alive connections of the raw HTTP/1.1 reader, per origin and read layout
 * (`host:port` + `holdBytes`: a connection's read areas are sized for its layout; raw-http
 * reads plain `http:` only, so no TLS options enter the key). Bounded: at most
 * `maxIdlePerKey` wait per key (the oldest is closed for a newer one), each at most its idle
 * time. An idle socket is unref'd, so it never keeps the process alive, and leaves the pool
 * when it closes (the server's idle close, an error, a byte nobody asked for).
 * docs/downloads.md "Connections of the raw HTTP/1.1 reader".
 */
import type { RawConnection } from "./raw-connection.js";

/** Idle connections kept per origin and layout: 8, one per file a folder reads at once (`folderFiles`). */
export const MAX_IDLE_PER_KEY = 8;

/**
 * How long a connection waits idle for the next request: 2 s, under the 5 s `keepAliveTimeout`
 * of a peer's server (docs/http.md "Limits"), so the client, not the server, closes it.
 */
export const IDLE_TIMEOUT_MS = 2000;

interface Idle {
  readonly connection: RawConnection;
  readonly timer: NodeJS.Timeout;
  readonly onClose: () => void;
}

/** Options of {@link ConnectionPool}. */
export interface ConnectionPoolOptions {
  /** Idle connections per key at most. @default MAX_IDLE_PER_KEY (8) */
  readonly maxIdlePerKey?: number | undefined;
}

/** The idle connections of one process (or of one test). */
export class ConnectionPool {
  private readonly idle = new Map<string, Idle[]>();
  private readonly maxIdlePerKey: number;

  constructor(options: ConnectionPoolOptions = {}) {
    this.maxIdlePerKey = options.maxIdlePerKey ?? MAX_IDLE_PER_KEY;
  }

  /** The most recently used open connection of `key`, taken out of the pool (ref'd again), or undefined. */
  take(key: string): RawConnection | undefined {
    const list = this.idle.get(key);
    for (let entry = list?.pop(); entry !== undefined; entry = list?.pop()) {
      this.forget(entry);
      if (entry.connection.open) {
        if (list?.length === 0) this.idle.delete(key);
        entry.connection.socket.ref();
        return entry.connection;
      }
      entry.connection.destroy();
    }
    this.idle.delete(key);
    return undefined;
  }

  /** Keeps `connection` (detached, reading, nothing owed) for at most `idleMs`. */
  put(key: string, connection: RawConnection, idleMs: number): void {
    if (!connection.open || this.maxIdlePerKey <= 0) {
      connection.destroy();
      return;
    }
    const list = this.idle.get(key) ?? [];
    while (list.length >= this.maxIdlePerKey) this.drop(list, list[0] as Idle);
    this.idle.set(key, list);
    const entry: Idle = {
      connection,
      timer: setTimeout(() => this.drop(list, entry), idleMs).unref(),
      onClose: () => this.drop(list, entry),
    };
    connection.socket.once("close", entry.onClose);
    connection.socket.unref();
    list.push(entry);
  }

  /** Idle connections of `key`, or of every key. */
  size(key?: string): number {
    if (key !== undefined) return this.idle.get(key)?.length ?? 0;
    let n = 0;
    for (const list of this.idle.values()) n += list.length;
    return n;
  }

  /** Closes every idle connection. */
  clear(): void {
    for (const list of [...this.idle.values()]) for (const entry of [...list]) this.drop(list, entry);
  }

  private drop(list: Idle[], entry: Idle): void {
    const at = list.indexOf(entry);
    if (at < 0) return;
    list.splice(at, 1);
    this.forget(entry);
    entry.connection.destroy();
    if (list.length === 0) for (const [key, l] of this.idle) if (l === list) this.idle.delete(key);
  }

  private forget(entry: Idle): void {
    clearTimeout(entry.timer);
    entry.connection.socket.removeListener("close", entry.onClose);
  }
}

/** The process's pool, used by `rawRequest` unless a request names another. */
export const connectionPool = new ConnectionPool();
