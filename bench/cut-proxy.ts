/**
 * A loopback TCP proxy that counts the bytes the server sends and, when armed,
 * resets the first connection whose downstream bytes reach a threshold: a
 * "connection cut mid-file" that any client (curl, Connect, the engine) sees
 * as a reset, with an exact count of what crossed the wire.
 */
import net from "node:net";

/** A running proxy. */
export interface CutProxy {
  /** `http://127.0.0.1:<port>`. */
  readonly url: string;
  /** Server → client bytes forwarded since start or the last `reset`. */
  downstreamBytes(): number;
  /** Connections cut so far (0 or 1 per arming). */
  cuts(): number;
  /** Zeroes the counters and (dis)arms the cut: reset the first connection after `cutAfterBytes` downstream bytes. */
  reset(cutAfterBytes: number | undefined): void;
  /** Closes the proxy and every connection. */
  close(): Promise<void>;
}

/** Starts a proxy to 127.0.0.1:`targetPort`. */
export async function startCutProxy(targetPort: number): Promise<CutProxy> {
  let downstream = 0;
  let cuts = 0;
  let cutAfter: number | undefined;
  // Connections kept alive across a reset count from the reset, not from their start.
  let generation = 0;
  const open = new Set<net.Socket>();
  const server = net.createServer((client) => {
    const upstream = net.connect(targetPort, "127.0.0.1");
    open.add(client);
    open.add(upstream);
    let connBytes = 0;
    let connGeneration = generation;
    const closeBoth = (): void => {
      client.destroy();
      upstream.destroy();
      open.delete(client);
      open.delete(upstream);
    };
    client.on("error", closeBoth);
    upstream.on("error", closeBoth);
    client.on("close", closeBoth);
    upstream.on("close", closeBoth);
    client.pipe(upstream);
    upstream.on("data", (chunk: Buffer) => {
      if (connGeneration !== generation) {
        connGeneration = generation;
        connBytes = 0;
      }
      if (cutAfter !== undefined && connBytes + chunk.length >= cutAfter) {
        // Forward up to the threshold, then reset: the client sees ECONNRESET mid-body.
        const part = chunk.subarray(0, Math.max(0, cutAfter - connBytes));
        cutAfter = undefined;
        cuts++;
        downstream += part.length;
        connBytes += part.length;
        client.write(part, () => {
          client.resetAndDestroy();
          upstream.destroy();
        });
        upstream.pause();
        return;
      }
      connBytes += chunk.length;
      downstream += chunk.length;
      if (!client.write(chunk)) {
        upstream.pause();
        client.once("drain", () => upstream.resume());
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const addr = server.address();
  const port = typeof addr === "object" && addr ? addr.port : 0;
  return {
    url: `http://127.0.0.1:${port}`,
    downstreamBytes: () => downstream,
    cuts: () => cuts,
    reset: (after) => {
      downstream = 0;
      cuts = 0;
      cutAfter = after;
      generation++;
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of open) s.destroy();
        server.close(() => resolve());
      }),
  };
}
