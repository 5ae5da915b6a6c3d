/**
 * A small TCP proxy on 127.0.0.1:0 for fault injection between a client and a
 * real peer: per connection it can drop after N bytes (server → client),
 * stall after N bytes (stop forwarding, keep the socket open), flip one byte
 * at a stream offset, and throttle to a byte rate.
 */
import net from "node:net";

/** Faults for one connection (counted in bytes sent from the server to the client). */
export interface ConnectionPlan {
  /** Close both sockets once this many bytes were forwarded. */
  dropAfter?: number;
  /** Stop forwarding (without closing) once this many bytes were forwarded. */
  stallAfter?: number;
  /** Invert the byte at this offset of the server → client stream. */
  flipAt?: number;
}

/**
 * True when an HTTP/1.1 request reads file bytes (ReadFile over Connect h1, or the HTTP file
 * route): the connection a fault meant for the file's bytes should hit, whichever connection
 * the client's unary calls used before it.
 */
export function isFileRead(request: string): boolean {
  return /^POST \/peer\.v1\.PeerService\/ReadFile |^GET \/v1\/files\//.test(request);
}

/** Options of {@link startTcpProxy}. */
export interface TcpProxyOptions {
  /** Port of the real server on 127.0.0.1. */
  targetPort: number;
  /**
   * Faults for the n-th connection (0-based); undefined for none. Asked with each chunk the
   * client sends (`request`, latin1: see {@link isFileRead}) until it returns a plan, whose
   * byte offsets then count from that moment (a keep-alive connection may carry a few unary
   * calls before the file read a fault is meant for).
   */
  plan?: (index: number, request: string) => ConnectionPlan | undefined;
  /** Server → client rate limit per connection. */
  bytesPerSecond?: number;
}

/** A running proxy. */
export interface TcpProxy {
  /** `http://127.0.0.1:<port>`. */
  readonly url: string;
  readonly port: number;
  /** Connections accepted so far. */
  readonly connections: number;
  /** Bytes forwarded server → client, all connections. */
  readonly bytesForwarded: number;
  /** Points new connections at another port (a restarted server). */
  setTarget(port: number): void;
  /** Changes the rate limit for new writes. */
  setRate(bytesPerSecond: number | undefined): void;
  /** Destroys every open connection (what a server restart does to its clients). */
  dropAll(): void;
  /** Closes the proxy and every connection. */
  close(): Promise<void>;
}

/** Starts a proxy. */
export async function startTcpProxy(options: TcpProxyOptions): Promise<TcpProxy> {
  let targetPort = options.targetPort;
  let rate = options.bytesPerSecond;
  let connections = 0;
  let bytesForwarded = 0;
  const sockets = new Set<net.Socket>();
  const server = net.createServer((client) => {
    const index = connections++;
    let plan: ConnectionPlan = {};
    let planned = false;
    /** Server → client bytes forwarded before the plan was chosen. */
    let base = 0;
    client.on("data", (chunk: Buffer) => {
      if (planned) return;
      const chosen = options.plan?.(index, chunk.toString("latin1"));
      if (chosen === undefined) return;
      plan = chosen;
      planned = true;
      base = sent;
    });
    const upstream = net.connect({ host: "127.0.0.1", port: targetPort });
    sockets.add(client);
    sockets.add(upstream);
    const kill = () => {
      client.destroy();
      upstream.destroy();
    };
    client.on("close", () => {
      sockets.delete(client);
      upstream.destroy();
    });
    upstream.on("close", () => {
      sockets.delete(upstream);
      // Forward what is still queued, then end (a stalled connection stays open, silent).
      void queue.then(() => {
        if (!stalled) client.end();
      });
    });
    client.on("error", kill);
    upstream.on("error", kill);
    client.pipe(upstream);
    let sent = 0;
    let stalled = false;
    let queue: Promise<void> = Promise.resolve();
    upstream.on("data", (chunk: Buffer) => {
      upstream.pause();
      queue = queue.then(async () => {
        let data = Buffer.from(chunk);
        if (stalled || client.destroyed) return;
        const at = sent - base; // offsets of the plan count from its choice
        if (plan.flipAt !== undefined && plan.flipAt >= at && plan.flipAt < at + data.length) {
          const i = plan.flipAt - at;
          data[i] = (data[i] ?? 0) ^ 0xff;
        }
        const limit = Math.min(plan.dropAfter ?? Infinity, plan.stallAfter ?? Infinity);
        const allowed = Math.max(0, Math.min(data.length, limit - at));
        const cut = allowed < data.length;
        data = data.subarray(0, allowed);
        // Throttle in slices of at most 1/20 s worth of bytes.
        while (data.length > 0 && !client.destroyed) {
          const slice = rate === undefined ? data : data.subarray(0, Math.max(1, Math.floor(rate / 20)));
          data = data.subarray(slice.length);
          await new Promise<void>((resolve) => client.write(slice, () => resolve()));
          sent += slice.length;
          bytesForwarded += slice.length;
          if (rate !== undefined) await new Promise((r) => setTimeout(r, (slice.length / rate!) * 1000));
        }
        if (cut) {
          if (plan.dropAfter !== undefined && sent - base >= plan.dropAfter) kill();
          else stalled = true;
          return;
        }
        upstream.resume();
      });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as net.AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    get connections() {
      return connections;
    },
    get bytesForwarded() {
      return bytesForwarded;
    },
    setTarget(p) {
      targetPort = p;
    },
    setRate(r) {
      rate = r;
    },
    dropAll() {
      for (const s of sockets) s.destroy();
    },
    async close() {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
