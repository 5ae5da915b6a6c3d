/** A TCP proxy that sends each new connection to the next of several servers (replicas behind a balancer). */
import net from "node:net";

/** A running round-robin proxy. */
export interface RoundRobinProxy {
  /** `http://127.0.0.1:<port>`. */
  readonly url: string;
  /** Connections sent to each target port so far. */
  readonly counts: Map<number, number>;
  /** Closes the proxy and its connections. */
  close(): Promise<void>;
}

/**
 * Starts a proxy over `targets` (ports on 127.0.0.1); a refused target is skipped for that
 * connection. `bytesPerSecond` limits server → client per connection. @default unlimited
 */
export async function startRoundRobinProxy(
  targets: readonly number[],
  bytesPerSecond?: number,
): Promise<RoundRobinProxy> {
  let next = 0;
  const counts = new Map<number, number>();
  const sockets = new Set<net.Socket>();
  const track = (s: net.Socket) => {
    sockets.add(s);
    s.on("close", () => sockets.delete(s));
  };
  const connect = (client: net.Socket, tries: number) => {
    const port = targets[next++ % targets.length] ?? 0;
    const upstream = net.connect({ host: "127.0.0.1", port });
    track(upstream);
    upstream.once("error", () => {
      // A replica that is down: try the next one, as a balancer's health check would.
      if (tries + 1 < targets.length && !client.destroyed) connect(client, tries + 1);
      else client.destroy();
    });
    upstream.once("connect", () => {
      counts.set(port, (counts.get(port) ?? 0) + 1);
      upstream.removeAllListeners("error");
      upstream.on("error", () => client.destroy());
      client.on("error", () => upstream.destroy());
      client.pipe(upstream);
      if (bytesPerSecond === undefined) upstream.pipe(client);
      else {
        upstream.on("data", (chunk: Buffer) => {
          upstream.pause();
          client.write(chunk);
          setTimeout(() => upstream.resume(), (chunk.length / bytesPerSecond) * 1000);
        });
      }
      client.on("close", () => upstream.destroy());
      upstream.on("close", () => client.destroy());
    });
  };
  const server = net.createServer((client) => {
    track(client);
    // Paused until the upstream connects; pipe() resumes it.
    client.pause();
    connect(client, 0);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as net.AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}`,
    counts,
    async close() {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
