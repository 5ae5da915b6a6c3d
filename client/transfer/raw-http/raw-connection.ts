/**
 * One plain TCP connection of the raw HTTP/1.1 reader and its read areas, which outlive an
 * exchange: a kept-alive connection reads the next response into the same memory (no read
 * buffer allocated per request). Socket reads land in the areas through `net.Socket`'s
 * `onread` and go to the exchange attached at the time; with none attached (idle in the
 * pool), any byte, end or error closes the connection.
 *
 * Node asks for the next read's buffer right after each read callback, so the place of the
 * next read is fixed before anyone knows who will read it. That is safe because an exchange
 * stops reading at its body's end and is detached (the socket reads again) only once its
 * reader asked past the last chunk or returned, holding no view: the read after a body may go
 * anywhere, and goes to the start (`rewind()`), so each response is read from the start of
 * the memory and touches only the pages it needs (a small file: the first ~70 KiB).
 */
import net from "node:net";

/**
 * Bytes each socket read may fill without `holdBytes`: 1 MiB. Fewer, larger chunks for the pieces
 * path over the HTTP route: A/B against 256 KiB, CPU 0.92× and wall 0.93× for 1 GiB, +1.3 MiB peak
 * (512 KiB and 2 MiB measured no better: docs/performance.md "Read size of the HTTP route").
 */
export const READ_BUFFER_BYTES = 1024 * 1024;

/** With `holdBytes`, the space a read is given at least (the areas switch below it): 64 KiB. */
export const MIN_READ_BYTES = 64 * 1024;

/** What an attached exchange is told. */
export interface ConnectionReader {
  /** One socket read, a view of a read area; returns false to stop reading until `resume()`. */
  onRead(bytes: Uint8Array): boolean;
  /** The server ended its side. */
  onEnd(): void;
  /** The socket closed. */
  onClose(): void;
  onError(error: Error): void;
}

/** A connection to `host:port` reading into its own areas. */
export class RawConnection {
  readonly socket: net.Socket;
  /** One reused read buffer, or two areas filled in turn (`holdBytes` > 0). */
  private readonly areas: Buffer[];
  private area = 0;
  /** Bytes of the current area already read into (areas only). */
  private fill = 0;
  private reader: ConnectionReader | undefined;
  /** The next read goes to the start of the memory. */
  private rewound = false;
  /** Exchanges started on this connection. */
  exchanges = 0;

  /** Connects; `holdBytes` as RawRequest's (0: one READ_BUFFER_BYTES buffer). */
  constructor(host: string, port: number, holdBytes: number) {
    this.areas =
      holdBytes > 0
        ? [Buffer.allocUnsafeSlow(holdBytes + MIN_READ_BYTES), Buffer.allocUnsafeSlow(holdBytes + MIN_READ_BYTES)]
        : [Buffer.allocUnsafeSlow(READ_BUFFER_BYTES)];
    this.socket = net.connect({
      host,
      port,
      noDelay: true,
      onread: {
        buffer: () => this.readInto(),
        callback: (n: number, buf: Uint8Array) => {
          this.fill += n;
          return this.onRead(buf.subarray(0, n));
        },
      },
    });
    this.socket.on("error", (e) => (this.reader === undefined ? this.destroy() : this.reader.onError(e)));
    this.socket.on("end", () => (this.reader === undefined ? this.destroy() : this.reader.onEnd()));
    this.socket.on("close", () => this.reader?.onClose());
  }

  /** True while the socket is connected both ways (a pooled connection is checked before reuse). */
  get open(): boolean {
    return !this.socket.destroyed && this.socket.readyState === "open";
  }

  /** Gives the connection's reads and events to `reader` (one exchange at a time). */
  attach(reader: ConnectionReader): void {
    if (this.reader !== undefined) throw new Error("a raw connection carries one exchange at a time");
    this.reader = reader;
    this.exchanges++;
  }

  /** Takes the reader off; reads from now on are unasked-for. */
  detach(): void {
    this.reader = undefined;
  }

  /**
   * Sends the read after this one to the start of the memory. Only from a read callback that
   * returns false at a body's end: nothing is read until the reader holds no view (then the
   * place is fixed, right after the callback).
   */
  rewind(): void {
    this.rewound = true;
  }

  /** Reads again (after a read callback returned false, which stops the handle without pausing). */
  resume(): void {
    this.socket.resume();
  }

  write(bytes: Uint8Array): void {
    this.socket.write(bytes);
  }

  destroy(): void {
    this.reader = undefined;
    this.socket.destroy();
  }

  /**
   * Where the next socket read goes. Areas: after the previous read, or at the start of the
   * other area when less than MIN_READ_BYTES is left. Switching back to an area is safe: its
   * chunks are at least a whole area (> holdBytes) behind the read position.
   */
  private readInto(): Buffer {
    if (this.areas.length === 1) return this.areas[0] as Buffer;
    if (this.rewound) {
      this.rewound = false;
      this.area = 0;
      this.fill = 0;
    }
    if ((this.areas[this.area] as Buffer).length - this.fill < MIN_READ_BYTES) {
      this.area = this.area === 0 ? 1 : 0;
      this.fill = 0;
    }
    return (this.areas[this.area] as Buffer).subarray(this.fill);
  }

  private onRead(bytes: Uint8Array): boolean {
    if (this.reader !== undefined) return this.reader.onRead(bytes);
    this.destroy(); // a byte nobody asked for: the connection's state is unknown
    return false;
  }
}
