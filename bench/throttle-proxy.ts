/**
 * A TCP proxy on 127.0.0.1:0 that behaves like a slow or faulty link to one
 * source, for multi-source tests and the bench: a byte rate per direction
 * shared by all its connections (link-pacer.ts), a cut after N bytes from
 * the server (the source disappears: connections die, new ones are refused),
 * a stall (connections stay open and silent), and one byte flipped in every
 * `flipEveryBytes` from the server (a source that sends bad pieces).
 * Bytes are counted over all connections, so a client that opens a
 * connection per request still sees one cut and one flip per period.
 */
import net from "node:net";
import { createLinkPacer, type LinkPacer } from "./link-pacer.js";

/** Options of {@link startThrottleProxy}. */
export interface ThrottleProxyOptions {
  /** Port of the real server. */
  targetPort: number;
  /** Host of the real server. @default "127.0.0.1" */
  targetHost?: string;
  /** Server → client bytes per second, all connections together. @default no limit */
  downBytesPerSecond?: number;
  /** Client → server bytes per second, all connections together. @default no limit */
  upBytesPerSecond?: number;
  /** After this many server → client bytes (in total), cut: every connection dies, new ones are refused. @default never */
  cutAfterBytes?: number;
  /** Invert one server → client byte in every this many (in total; 1048576 = one per MiB). @default never */
  flipEveryBytes?: number;
  /** Which byte of each period is flipped (0-based). @default half the period */
  flipPhase?: number;
}

/** How a cut behaves: `refuse` closes the port (ECONNREFUSED), `stall` keeps connections open and silent. */
export type CutMode = "refuse" | "stall";

/** A running proxy. */
export interface ThrottleProxy {
  /** `http://127.0.0.1:<port>`. */
  readonly url: string;
  readonly port: number;
  /** Connections accepted so far. */
  readonly connections: number;
  /** Server → client bytes forwarded, all connections. */
  readonly bytesDown: number;
  /** Client → server bytes forwarded, all connections. */
  readonly bytesUp: number;
  /** Server → client stream offsets (over all connections) of the bytes flipped so far. */
  readonly flipped: readonly number[];
  /** Whether the proxy is cut (by cutAfterBytes or {@link ThrottleProxy.cut}). */
  readonly isCut: boolean;
  /** Changes the rates (undefined = no limit) for the next slices. */
  setRate(rates: { down?: number | undefined; up?: number | undefined }): void;
  /** Cuts the link now. @param mode @default "refuse" */
  cut(mode?: CutMode): Promise<void>;
  /** Ends a cut: listens again on the same port (after `refuse`) or lets stalled bytes flow (after `stall`). */
  restore(): Promise<void>;
  /** Closes the proxy and every connection. */
  close(): Promise<void>;
}

/** Starts a proxy to `targetHost:targetPort`. */
export async function startThrottleProxy(options: ThrottleProxyOptions): Promise<ThrottleProxy> {
  const down = createLinkPacer(options.downBytesPerSecond);
  const up = createLinkPacer(options.upBytesPerSecond);
  const period = options.flipEveryBytes;
  const phase = period === undefined ? 0 : (options.flipPhase ?? Math.floor(period / 2));
  if (period !== undefined && (!Number.isSafeInteger(period) || period < 1 || phase < 0 || phase >= period)) {
    throw new RangeError("flipEveryBytes must be a positive whole number and flipPhase within it");
  }
  const sockets = new Set<net.Socket>();
  const flipped: number[] = [];
  let connections = 0;
  let bytesDown = 0;
  let bytesUp = 0;
  let cutMode: CutMode | undefined;
  /** Bytes left before the cut of `cutAfterBytes` (which happens once). */
  let cutLimit = options.cutAfterBytes;
  let closed = false;
  /** Resolves when a stall ends. */
  let unstall: { promise: Promise<void>; resolve: () => void } | undefined;

  // Half-open both ways: a client that ends its request still gets the whole answer.
  const server = net.createServer({ allowHalfOpen: true }, (client) => {
    connections++;
    if (cutMode === "refuse") {
      client.destroy();
      return;
    }
    const upstream = net.connect({
      host: options.targetHost ?? "127.0.0.1",
      port: options.targetPort,
      allowHalfOpen: true,
    });
    for (const s of [client, upstream]) {
      sockets.add(s);
      s.on("close", () => sockets.delete(s));
      s.on("error", () => {
        client.destroy();
        upstream.destroy();
      });
    }
    forward(client, upstream, up, (slice) => {
      bytesUp += slice.length;
      return { out: slice, cut: false };
    });
    forward(upstream, client, down, (slice) => {
      const allowed = cutLimit === undefined ? slice.length : Math.max(0, cutLimit - bytesDown);
      const out = Buffer.from(slice.subarray(0, Math.min(allowed, slice.length)));
      flipBytes(out, bytesDown);
      bytesDown += out.length;
      const cut = cutLimit !== undefined && bytesDown >= cutLimit;
      if (cut) cutLimit = undefined;
      return { out, cut };
    });
  });

  /** Inverts the bytes of `chunk` (at stream offset `at`) that fall on a flip position. */
  function flipBytes(chunk: Buffer, at: number): void {
    if (period === undefined) return;
    let offset = Math.ceil((at - phase) / period) * period + phase;
    for (; offset < at + chunk.length; offset += period) {
      const i = offset - at;
      chunk[i] = (chunk[i] ?? 0) ^ 0xff;
      flipped.push(offset);
    }
  }

  /** Pipes `from` → `to` slice by slice at the pacer's rate, with backpressure both ways. */
  function forward(
    from: net.Socket,
    to: net.Socket,
    pacer: LinkPacer,
    transform: (slice: Buffer) => { out: Buffer; cut: boolean },
  ): void {
    let queue = Promise.resolve();
    from.on("data", (chunk: Buffer) => {
      from.pause();
      queue = queue.then(async () => {
        let rest = chunk;
        while (rest.length > 0 && !to.destroyed) {
          if (unstall !== undefined) await unstall.promise;
          const slice = rest.subarray(0, pacer.sliceSize(rest.length));
          rest = rest.subarray(slice.length);
          await pacer.pace(slice.length);
          if (cutMode === "refuse" || to.destroyed) return;
          const { out, cut } = transform(slice);
          if (cut) {
            // The last bytes before the cut reach the client: flush them, then cut.
            await new Promise<void>((resolve) => to.write(out, () => resolve()));
            await proxy.cut("refuse");
            return;
          }
          if (out.length > 0 && !to.write(out))
            await new Promise((resolve) => to.once("drain", resolve).once("close", resolve));
        }
        if (cutMode !== "refuse") from.resume();
      });
    });
    from.on("end", () => {
      void queue.then(() => to.end());
    });
  }

  const listen = (port: number) =>
    new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen(port, "127.0.0.1", () => {
        server.off("error", reject);
        resolve();
      });
    });
  await listen(0);
  const port = (server.address() as net.AddressInfo).port;

  const proxy: ThrottleProxy = {
    url: `http://127.0.0.1:${port}`,
    port,
    get connections() {
      return connections;
    },
    get bytesDown() {
      return bytesDown;
    },
    get bytesUp() {
      return bytesUp;
    },
    flipped,
    get isCut() {
      return cutMode !== undefined;
    },
    setRate(rates) {
      if ("down" in rates) down.rate = rates.down;
      if ("up" in rates) up.rate = rates.up;
    },
    async cut(mode = "refuse") {
      if (cutMode !== undefined || closed) return;
      cutMode = mode;
      if (mode === "stall") {
        let resolve = () => {};
        const promise = new Promise<void>((r) => (resolve = r));
        unstall = { promise, resolve };
        return;
      }
      const stopped = new Promise<void>((resolve) => server.close(() => resolve()));
      for (const s of sockets) s.destroy();
      await stopped;
    },
    async restore() {
      if (cutMode === undefined || closed) return;
      const mode = cutMode;
      cutMode = undefined;
      if (mode === "stall") {
        unstall?.resolve();
        unstall = undefined;
        return;
      }
      await listen(port);
    },
    async close() {
      if (closed) return;
      closed = true;
      unstall?.resolve();
      for (const s of sockets) s.destroy();
      if (server.listening) await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
  return proxy;
}
