/**
 * Options of the serving peer, their defaults, and resolveServerOptions(),
 * which validates, fills and freezes them (errors say what to fix).
 */
import { statSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import type { ServerExtensionFactory } from "./extension.js";
import type { Logger } from "pino";
import { defaultMaxConnections, readOpenFilesLimit } from "./limits/connection-limit.js";
import { parsePublicUrl } from "./public-url.js";

/** A directory shared under a name: item ids are `<name>/<relative path>`. */
export interface ShareOption {
  /** Share name; non-empty, no `/`, `\`, control characters, not `.` or `..`. */
  readonly name: string;
  /** Directory to share read-only; must exist. */
  readonly dir: string;
}

/** Options of {@link startPeerServer}. */
export interface PeerServerOptions {
  /** Directories to share (at least one). */
  shares: ReadonlyArray<ShareOption>;
  /** Directory of the server's SQLite database (`server.db`: key hashes, digests); created if missing. */
  dataDir: string;
  /**
   * PostgreSQL URL (`postgres://…`) of a store shared by several replicas (keys, digests); empty
   * keeps SQLite in `dataDir`. @default ""
   */
  databaseUrl?: string;
  /** Interface to listen on. @default "127.0.0.1" */
  host?: string;
  /** TCP port; 0 picks a free one. @default 8080 */
  port?: number;
  /** Serve TLS (ALPN h2 and http/1.1) with this PEM certificate and key instead of cleartext. */
  tls?: { certFile: string; keyFile: string };
  /** Structured logger; one line per call. @default pino to stderr */
  logger?: Logger;
  /** Concurrent ReadFile streams (RPC and HTTP route) per API key. @default 8 */
  maxStreamsPerKey?: number;
  /** Concurrent ReadFile streams on the whole server. @default 64 */
  maxStreams?: number;
  /** Name returned by Handshake. @default os.hostname() */
  serverName?: string;
  /** Largest request message accepted (requests are tiny). @default 65536 */
  readMaxBytes?: number;
  /** Time a client has to send the request headers, from their first byte (slowloris guard). @default 10000 */
  headersTimeoutMs?: number;
  /** Time a client has to send the whole request (HTTP/1.1), or an HTTP/2 stream its request body. @default 30000 */
  requestTimeoutMs?: number;
  /** Idle HTTP/1.1 keep-alive connections are closed after this. @default 5000 */
  keepAliveTimeoutMs?: number;
  /** A connection (or HTTP/2 session) with no traffic in either direction for this long is closed. @default 120000 */
  idleTimeoutMs?: number;
  /** Time a new connection has to show its protocol (the HTTP/2 preface or not) or finish its TLS handshake. @default 10000 */
  sniffTimeoutMs?: number;
  /**
   * Open connections at most, counted at the TCP level; over it a connection gets a 503 and is closed while
   * the others go on. @default min(1024, the process's open-files limit − maxStreams − 64), at least 16
   */
  maxConnections?: number;
  /** Concurrent streams per HTTP/2 connection. @default 100 */
  maxConcurrentStreamsPerConnection?: number;
  /** Delay suggested to clients refused by the stream limiter. @default 1000 */
  retryAfterMs?: number;
  /** Background SHA-256 hashes running at once (1–4). @default 1 */
  hashConcurrency?: number;
  /** On close(), running streams get this long to end before connections are destroyed. @default 3000 */
  closeGraceMs?: number;
  /** Base URL that share links and torrents point at (e.g. behind a proxy); the listen address when absent. */
  publicUrl?: string | undefined;
  /** Serve binary, uncompressed ReadFile calls by framing file reads directly (3–5× the stock throughput); false uses only the stock handler. @default true */
  fastReadFile?: boolean;
  /** More services and one more HTTP route on the same port (server/extension.ts), e.g. the download service. @default none */
  extension?: ServerExtensionFactory | undefined;
}

/** Default listen address: loopback only. */
export const DEFAULT_HOST = "127.0.0.1";
/** Default port. */
export const DEFAULT_PORT = 8080;
/** Default per-key concurrent streams. */
export const DEFAULT_MAX_STREAMS_PER_KEY = 8;
/** Default server-wide concurrent streams. */
export const DEFAULT_MAX_STREAMS = 64;
/** Default request size limit: requests are a few ids and numbers. */
export const DEFAULT_READ_MAX_BYTES = 64 * 1024;

/** Options after validation, with every default filled. */
export type ResolvedServerOptions = Readonly<
  Required<Omit<PeerServerOptions, "tls" | "logger" | "shares" | "publicUrl" | "extension">> & {
    publicUrl: string | undefined;
    shares: ReadonlyArray<ShareOption>;
    tls: PeerServerOptions["tls"];
    logger: Logger | undefined;
  }
>;

/** Why a share name is unacceptable, or undefined when it is fine. Pure. */
export function shareNameProblem(name: string): string | undefined {
  if (name.length === 0) return "a share name must not be empty";
  if (name.length > 255) return `share name "${name.slice(0, 20)}…" is longer than 255 characters`;
  if (name === "." || name === "..") return `share name "${name}" is reserved; pick another name`;
  if (/[/\\]/.test(name)) return `share name "${name}" must not contain "/" or "\\"`;
  if (/[\u0000-\u001f\u007f]/.test(name))
    return `share name ${JSON.stringify(name)} must not contain control characters`;
  return undefined;
}

function integer(name: string, value: number | undefined, fallback: number, min: number, max: number): number {
  const v = value ?? fallback;
  if (!Number.isSafeInteger(v) || v < min || v > max) {
    throw new RangeError(`${name} must be an integer between ${min} and ${max}, got ${value}`);
  }
  return v;
}

function flag(name: string, value: boolean | undefined, fallback: boolean): boolean {
  if (value === undefined) return fallback;
  if (typeof value !== "boolean") throw new TypeError(`${name} must be true or false, got ${String(value)}`);
  return value;
}

/** Validates and fills options; throws an Error naming the bad option and what to do. */
export function resolveServerOptions(options: PeerServerOptions): ResolvedServerOptions {
  if (!Array.isArray(options.shares) || options.shares.length === 0) {
    throw new Error("at least one share is needed: pass a directory to share");
  }
  const seen = new Set<string>();
  const shares = options.shares.map((share) => {
    const problem = shareNameProblem(share.name);
    if (problem !== undefined) throw new Error(problem);
    if (seen.has(share.name)) throw new Error(`share name "${share.name}" is used twice; give each share its own name`);
    seen.add(share.name);
    const dir = path.resolve(share.dir);
    let isDir: boolean;
    try {
      isDir = statSync(dir).isDirectory();
    } catch {
      throw new Error(`share "${share.name}": directory ${dir} does not exist or cannot be read`);
    }
    if (!isDir) throw new Error(`share "${share.name}": ${dir} is not a directory`);
    return Object.freeze({ name: share.name, dir });
  });
  if (typeof options.dataDir !== "string" || options.dataDir.length === 0) {
    throw new Error("dataDir is required: the directory for the server database");
  }
  if (options.tls !== undefined && (!options.tls.certFile || !options.tls.keyFile)) {
    throw new Error("TLS needs both a certificate file and a key file");
  }
  let publicUrl: string | undefined;
  if (options.publicUrl !== undefined) {
    const parsed = parsePublicUrl(options.publicUrl);
    if (!parsed.ok) throw new Error(`publicUrl: ${parsed.error}`);
    publicUrl = parsed.value;
  }
  const maxStreams = integer("maxStreams", options.maxStreams, DEFAULT_MAX_STREAMS, 1, 100_000);
  const serverName = options.serverName ?? os.hostname();
  if (serverName.length === 0) throw new Error("serverName must not be empty");
  return Object.freeze({
    shares: Object.freeze(shares),
    dataDir: path.resolve(options.dataDir),
    databaseUrl: options.databaseUrl ?? "",
    host: options.host ?? DEFAULT_HOST,
    port: integer("port", options.port, DEFAULT_PORT, 0, 65535),
    tls: options.tls,
    logger: options.logger,
    maxStreamsPerKey: integer("maxStreamsPerKey", options.maxStreamsPerKey, DEFAULT_MAX_STREAMS_PER_KEY, 1, 10_000),
    maxStreams,
    maxConnections: integer(
      "maxConnections",
      options.maxConnections,
      options.maxConnections === undefined ? defaultMaxConnections(readOpenFilesLimit(), maxStreams) : 0,
      1,
      1_000_000,
    ),
    serverName,
    readMaxBytes: integer("readMaxBytes", options.readMaxBytes, DEFAULT_READ_MAX_BYTES, 1024, 16 * 1024 * 1024),
    headersTimeoutMs: integer("headersTimeoutMs", options.headersTimeoutMs, 10_000, 100, 600_000),
    requestTimeoutMs: integer("requestTimeoutMs", options.requestTimeoutMs, 30_000, 100, 3_600_000),
    keepAliveTimeoutMs: integer("keepAliveTimeoutMs", options.keepAliveTimeoutMs, 5_000, 100, 600_000),
    idleTimeoutMs: integer("idleTimeoutMs", options.idleTimeoutMs, 120_000, 100, 3_600_000),
    sniffTimeoutMs: integer("sniffTimeoutMs", options.sniffTimeoutMs, 10_000, 50, 600_000),
    maxConcurrentStreamsPerConnection: integer(
      "maxConcurrentStreamsPerConnection",
      options.maxConcurrentStreamsPerConnection,
      100,
      1,
      10_000,
    ),
    retryAfterMs: integer("retryAfterMs", options.retryAfterMs, 1_000, 1, 600_000),
    hashConcurrency: integer("hashConcurrency", options.hashConcurrency, 1, 1, 4),
    closeGraceMs: integer("closeGraceMs", options.closeGraceMs, 3_000, 0, 60_000),
    fastReadFile: flag("fastReadFile", options.fastReadFile, true),
    publicUrl,
  });
}
