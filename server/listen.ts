/**
 * Listeners: one port for HTTP/1.1 and cleartext HTTP/2, told apart by the
 * HTTP/2 connection preface (RFC 9113 §3.4) on the first bytes; or one TLS
 * port with ALPN `h2` / `http/1.1`. Also the graceful close of all of it, and
 * the slow-client limits (docs/http.md "Limits"): connections are counted at
 * the TCP level (before sniffing or TLS) against `maxConnections`.
 */
import { readFileSync } from "node:fs";
import http from "node:http";
import http2 from "node:http2";
import net from "node:net";
import type { Socket } from "node:net";
import { REFUSAL_BACKLOG, refuseConnection } from "./limits/connection-limit.js";
import { armStreamDeadline } from "./limits/stream-deadline.js";

/** The HTTP/2 client connection preface. */
const PREFACE = Buffer.from("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n", "latin1");

/** A Node request listener usable by http, https and http2 servers. */
export type RequestListener = (
  req: http.IncomingMessage | http2.Http2ServerRequest,
  res: http.ServerResponse | http2.Http2ServerResponse,
) => void;

/** Options of {@link listen}. */
export interface ListenOptions {
  readonly host: string;
  readonly port: number;
  readonly tls?: { certFile: string; keyFile: string } | undefined;
  readonly headersTimeoutMs: number;
  readonly requestTimeoutMs: number;
  readonly keepAliveTimeoutMs: number;
  readonly idleTimeoutMs: number;
  readonly sniffTimeoutMs: number;
  readonly maxConcurrentStreams: number;
  /** Open connections at most (TCP level); over it a connection is refused at once. */
  readonly maxConnections: number;
  /** Told when a connection is refused over the cap, with the number open. */
  readonly onRefused?: ((open: number) => void) | undefined;
}

/** A listening server. */
export interface Listener {
  /** The bound port. */
  readonly port: number;
  /** The bound address. */
  readonly address: string;
  /** Stops accepting; ends idle connections, GOAWAYs HTTP/2 sessions; after `graceMs` destroys what is left. */
  close(graceMs: number): Promise<void>;
}

/** Decision for the first bytes of a connection. Pure; table-tested. */
export function sniffPreface(head: Buffer): "h2" | "http1" | "more" {
  const n = Math.min(head.length, PREFACE.length);
  if (head.subarray(0, n).equals(PREFACE.subarray(0, n))) return head.length >= PREFACE.length ? "h2" : "more";
  return "http1";
}

/** How often Node sweeps connections for headersTimeout/requestTimeout (30 s by default: too coarse for short limits). */
function sweepInterval(headersTimeoutMs: number): number {
  return Math.max(100, Math.min(30_000, Math.floor(headersTimeoutMs / 4)));
}

/** The open connections and HTTP/2 sessions of one listener, for the cap and the graceful close. */
interface Tracking {
  readonly sockets: Set<Socket>;
  readonly sessions: Set<http2.Http2Session>;
  readonly options: ListenOptions;
}

/** The HTTP/1.1 timeouts (also applied by Node to HTTP/1.1 connections of the TLS server, set before listening). */
function h1Timeouts(options: ListenOptions) {
  return {
    headersTimeout: Math.min(options.headersTimeoutMs, options.requestTimeoutMs),
    requestTimeout: options.requestTimeoutMs,
    keepAliveTimeout: options.keepAliveTimeoutMs,
    // headersTimeout/requestTimeout are only enforced on this sweep (30 s by
    // default), so sweep often enough for the configured limits to bite.
    connectionsCheckingInterval: sweepInterval(options.headersTimeoutMs),
  };
}

/** Every HTTP/2 session: counted, closed when idle, each stream under the request deadline. */
function trackHttp2(server: http2.Http2Server | http2.Http2SecureServer, t: Tracking): void {
  server.on("session", (session: http2.Http2Session) => {
    t.sessions.add(session);
    session.setTimeout(t.options.idleTimeoutMs, () => session.close());
    session.once("close", () => t.sessions.delete(session));
  });
  server.on("stream", (stream: http2.ServerHttp2Stream) => armStreamDeadline(stream, t.options.requestTimeoutMs));
}

/** One TLS port, ALPN `h2` or `http/1.1`. */
function tlsServer(handler: RequestListener, t: Tracking, tls: { certFile: string; keyFile: string }): net.Server {
  const { options } = t;
  const secure = http2.createSecureServer({
    cert: readFileSync(tls.certFile),
    key: readFileSync(tls.keyFile),
    allowHTTP1: true,
    ALPNProtocols: ["h2", "http/1.1"],
    settings: { maxConcurrentStreams: options.maxConcurrentStreams },
    // A TCP connection that never finishes its TLS handshake is cut like a silent cleartext one.
    handshakeTimeout: options.sniffTimeoutMs,
    // As http.Server's default: HTTP/1.1 connections are kept alive, and Nagle would hold a response's
    // last small write (chunked end, Connect end-of-stream) for the client's delayed ACK (HTTP/2 sets it itself).
    noDelay: true,
  });
  // Refused at accept, before any TLS work: over the cap nothing readable can be said anyway.
  secure.maxConnections = options.maxConnections;
  secure.on("drop", () => options.onRefused?.(t.sockets.size));
  Object.assign(secure, h1Timeouts(options));
  secure.on("request", handler);
  trackHttp2(secure, t);
  secure.setTimeout(options.idleTimeoutMs);
  return secure;
}

/** One cleartext port: each connection is counted, then sniffed and handed to HTTP/1.1 or HTTP/2. */
function cleartextServer(handler: RequestListener, t: Tracking): { outer: net.Server; h1: http.Server } {
  const { options } = t;
  const h1 = http.createServer(h1Timeouts(options), handler as http.RequestListener);
  h1.timeout = options.idleTimeoutMs; // socket inactivity, also while a slow client drains a stream
  const h2c = http2.createServer(
    { settings: { maxConcurrentStreams: options.maxConcurrentStreams } },
    handler as (req: http2.Http2ServerRequest, res: http2.Http2ServerResponse) => void,
  );
  trackHttp2(h2c, t);
  // noDelay as http.Server's default (it is set at accept, so the outer server must ask for it): on a
  // kept-alive connection Nagle would hold a response's last small write (the chunked end, Connect's
  // end-of-stream message) until the client's delayed ACK, up to 40 ms (docs/performance.md, keep-alive).
  const outer = net.createServer({ pauseOnConnect: false, noDelay: true }, (socket) => {
    if (refusedOverCap(socket, t)) return;
    sniffConnection(socket, options.sniffTimeoutMs, (kind) => {
      // http2 takes over the native handle and, on the next tick, feeds
      // itself what is buffered in the JS stream (nodejs/node#34532):
      // resuming here would emit those bytes to nobody.
      if (kind === "h2") h2c.emit("connection", socket);
      else {
        h1.emit("connection", socket);
        socket.resume();
      }
    });
  });
  return { outer, h1 };
}

/** Over the cap: a 503 (or, in a flood, a plain close). Counted before sniffing: sniffing sockets hold descriptors too. */
function refusedOverCap(socket: Socket, t: Tracking): boolean {
  const { maxConnections, onRefused } = t.options;
  if (t.sockets.size <= maxConnections) return false;
  onRefused?.(t.sockets.size - 1);
  // Refusals linger up to 1 s for their 503; in a flood, beyond REFUSAL_BACKLOG of them, just close.
  if (t.sockets.size > maxConnections + REFUSAL_BACKLOG) socket.destroy();
  else refuseConnection(socket);
  return true;
}

/** Reads a connection's first bytes until sniffPreface decides, puts them back, and hands the socket on. */
function sniffConnection(socket: Socket, sniffTimeoutMs: number, handOver: (kind: "h2" | "http1") => void): void {
  // A deadline from the first moment, not an inactivity timer: a preface trickled byte by byte
  // (each byte resetting an inactivity timer) would hold the connection for minutes.
  const sniffDeadline = setTimeout(() => socket.destroy(), sniffTimeoutMs);
  sniffDeadline.unref();
  socket.once("close", () => clearTimeout(sniffDeadline));
  let head = Buffer.alloc(0);
  const onData = (chunk: Buffer) => {
    head = Buffer.concat([head, chunk]);
    const kind = sniffPreface(head);
    if (kind === "more") return;
    socket.off("data", onData);
    socket.off("end", onEnd);
    clearTimeout(sniffDeadline);
    socket.pause();
    socket.unshift(head);
    handOver(kind);
  };
  const onEnd = () => socket.destroy();
  socket.on("data", onData);
  socket.on("end", onEnd);
}

/** Starts listening and resolves once bound. */
export async function listen(handler: RequestListener, options: ListenOptions): Promise<Listener> {
  const t: Tracking = { sockets: new Set(), sessions: new Set(), options };
  const { outer, h1 } =
    options.tls === undefined
      ? cleartextServer(handler, t)
      : { outer: tlsServer(handler, t, options.tls), h1: undefined };
  outer.prependListener("connection", (socket: Socket) => {
    t.sockets.add(socket);
    socket.once("close", () => t.sockets.delete(socket));
    socket.on("error", () => undefined); // resets by clients are not server errors
  });
  await new Promise<void>((resolve, reject) => {
    outer.once("error", reject);
    outer.listen(options.port, options.host, () => {
      outer.off("error", reject);
      resolve();
    });
  });
  const bound = outer.address() as net.AddressInfo;
  // The http.Server never listens itself (connections are handed to it), but
  // its connection tracking — which enforces headersTimeout/requestTimeout
  // and makes closeIdleConnections() work — starts on 'listening'.
  h1?.emit("listening");
  let closing: Promise<void> | undefined;
  return {
    port: bound.port,
    address: bound.address,
    close(graceMs) {
      closing ??= closeAll(outer, h1, t, graceMs);
      return closing;
    },
  };
}

/** Stops accepting; ends idle connections, GOAWAYs HTTP/2 sessions; after `graceMs` destroys what is left. */
async function closeAll(outer: net.Server, h1: http.Server | undefined, t: Tracking, graceMs: number): Promise<void> {
  const stopped = new Promise<void>((resolve) => outer.close(() => resolve()));
  // close() on the never-listening http.Server only runs its pre-close:
  // closes idle keep-alive connections and stops the timeout sweep.
  h1?.close(() => undefined);
  for (const session of t.sessions) session.close();
  const timer = setTimeout(() => {
    for (const socket of t.sockets) socket.destroy();
    for (const session of t.sessions) session.destroy();
  }, graceMs);
  timer.unref();
  await stopped;
  clearTimeout(timer);
}
