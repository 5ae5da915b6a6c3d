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

/** Starts listening and resolves once bound. */
export async function listen(handler: RequestListener, options: ListenOptions): Promise<Listener> {
  const sockets = new Set<Socket>();
  const sessions = new Set<http2.Http2Session>();
  const h2Settings: http2.Settings = { maxConcurrentStreams: options.maxConcurrentStreams };
  const trackSession = (session: http2.Http2Session) => {
    sessions.add(session);
    session.setTimeout(options.idleTimeoutMs, () => session.close());
    session.once("close", () => sessions.delete(session));
  };
  const onStream = (stream: http2.ServerHttp2Stream) => armStreamDeadline(stream, options.requestTimeoutMs);

  let outer: net.Server;
  let h1: http.Server | undefined;
  if (options.tls !== undefined) {
    const secure = http2.createSecureServer({
      cert: readFileSync(options.tls.certFile),
      key: readFileSync(options.tls.keyFile),
      allowHTTP1: true,
      ALPNProtocols: ["h2", "http/1.1"],
      settings: h2Settings,
      // A TCP connection that never finishes its TLS handshake is cut like a silent cleartext one.
      handshakeTimeout: options.sniffTimeoutMs,
    });
    // Refused at accept, before any TLS work: over the cap nothing readable can be said anyway.
    secure.maxConnections = options.maxConnections;
    secure.on("drop", () => options.onRefused?.(sockets.size));
    // With allowHTTP1, Node applies the http.Server timeouts to HTTP/1.1
    // connections of the TLS server too (set before listening).
    Object.assign(secure, {
      headersTimeout: Math.min(options.headersTimeoutMs, options.requestTimeoutMs),
      requestTimeout: options.requestTimeoutMs,
      keepAliveTimeout: options.keepAliveTimeoutMs,
      connectionsCheckingInterval: sweepInterval(options.headersTimeoutMs),
    });
    secure.on("request", handler);
    secure.on("session", trackSession);
    secure.on("stream", onStream);
    secure.setTimeout(options.idleTimeoutMs);
    outer = secure;
  } else {
    const h1Server = http.createServer(
      {
        headersTimeout: Math.min(options.headersTimeoutMs, options.requestTimeoutMs),
        requestTimeout: options.requestTimeoutMs,
        keepAliveTimeout: options.keepAliveTimeoutMs,
        // headersTimeout/requestTimeout are only enforced on this sweep (30 s by
        // default), so sweep often enough for the configured limits to bite.
        connectionsCheckingInterval: sweepInterval(options.headersTimeoutMs),
      },
      handler as http.RequestListener,
    );
    h1Server.timeout = options.idleTimeoutMs; // socket inactivity, also while a slow client drains a stream
    h1 = h1Server;
    const h2c = http2.createServer(
      { settings: h2Settings },
      handler as (req: http2.Http2ServerRequest, res: http2.Http2ServerResponse) => void,
    );
    h2c.on("session", trackSession);
    h2c.on("stream", onStream);
    outer = net.createServer({ pauseOnConnect: false }, (socket) => {
      // Counted before sniffing (this socket is in `sockets` already): sniffing sockets hold descriptors too.
      if (sockets.size > options.maxConnections) {
        options.onRefused?.(sockets.size - 1);
        // Refusals linger up to 1 s for their 503; in a flood, beyond REFUSAL_BACKLOG of them, just close.
        if (sockets.size > options.maxConnections + REFUSAL_BACKLOG) socket.destroy();
        else refuseConnection(socket);
        return;
      }
      // A deadline from the first moment, not an inactivity timer: a preface trickled byte by byte
      // (each byte resetting an inactivity timer) would hold the connection for minutes.
      const sniffDeadline = setTimeout(() => socket.destroy(), options.sniffTimeoutMs);
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
        if (kind === "h2") {
          // http2 takes over the native handle and, on the next tick, feeds
          // itself what is buffered in the JS stream (nodejs/node#34532):
          // resuming here would emit those bytes to nobody.
          h2c.emit("connection", socket);
        } else {
          h1Server.emit("connection", socket);
          socket.resume();
        }
      };
      const onEnd = () => socket.destroy();
      socket.on("data", onData);
      socket.on("end", onEnd);
    });
  }
  outer.prependListener("connection", (socket: Socket) => {
    sockets.add(socket);
    socket.once("close", () => sockets.delete(socket));
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
      closing ??= (async () => {
        const stopped = new Promise<void>((resolve) => outer.close(() => resolve()));
        // close() on the never-listening http.Server only runs its pre-close:
        // closes idle keep-alive connections and stops the timeout sweep.
        h1?.close(() => undefined);
        for (const session of sessions) session.close();
        const timer = setTimeout(() => {
          for (const socket of sockets) socket.destroy();
          for (const session of sessions) session.destroy();
        }, graceMs);
        timer.unref();
        await stopped;
        clearTimeout(timer);
      })();
      return closing;
    },
  };
}
