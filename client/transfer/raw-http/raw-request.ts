/**
 * One HTTP/1.1 request over its own plain TCP connection, read into one reused buffer
 * (`net.Socket`'s `onread`): no buffer allocated per socket read, no copy of the body by
 * Node's HTTP parser (docs/performance.md "What the profiles showed"). The body's bytes are
 * views of that buffer, valid only until the next `next()`: for callers that copy each chunk
 * at once (the piece assembler), never for callers that keep chunks (a write-behind).
 *
 * The connection reads again only when the caller asks for more and holds no view, so the
 * buffer is never overwritten under a view. `Connection: close`: one request per connection.
 *
 * With `holdBytes`, reads fill two areas in turn, each read after the last, so a chunk stays
 * valid until `holdBytes` more bytes were read after it: a Connect or gRPC message cut by reads
 * is then whole in place, and the envelope splitter keeps views of it instead of copying it
 * (one copy of every byte less: docs/performance.md "Client CPU").
 */
import net from "node:net";
import { createBodyDecoder, bodyFraming, type BodyDecoder } from "./body-framing.js";
import { parseResponseHead, type ResponseHead } from "./response-head.js";

/** Bytes each socket read may fill: 256 KiB. */
export const READ_BUFFER_BYTES = 256 * 1024;

/** With `holdBytes`, the space a read is given at least (the areas switch below it): 64 KiB. */
export const MIN_READ_BYTES = 64 * 1024;

/** A request. */
export interface RawRequest {
  readonly method: "GET" | "POST";
  /** An `http:` URL. */
  readonly url: URL;
  /** Lower-case names; `host`, `connection` and `content-length` are set here. */
  readonly headers: Readonly<Record<string, string>>;
  readonly body?: Uint8Array | undefined;
  readonly signal: AbortSignal;
  /**
   * Body bytes kept valid behind the read position: a chunk stays valid until this many more
   * bytes were read after it (two read areas of `holdBytes` + MIN_READ_BYTES each). 0: one
   * READ_BUFFER_BYTES buffer, a chunk valid only until the next `next()`. @default 0
   */
  readonly holdBytes?: number | undefined;
}

/** A response whose head has arrived. */
export interface RawResponse {
  readonly status: number;
  /** Lower-case names. */
  readonly headers: Readonly<Record<string, string>>;
  /** The body's bytes; each chunk is valid only until the next call of `next()` or `return()`. */
  readonly body: AsyncIterator<Uint8Array>;
  /** Closes the connection; a body not read to its end is dropped. */
  destroy(): void;
}

/** An error as Node's sockets report them, so the engine classifies it as a network fault. */
function connectionError(message: string, code = "ECONNRESET"): Error {
  return Object.assign(new Error(message), { code });
}

function abortError(signal: AbortSignal): Error {
  return Object.assign(new Error("The operation was aborted"), {
    name: "AbortError",
    code: "ABORT_ERR",
    cause: signal.reason,
  });
}

/** The request's bytes; throws on a header value that could split the request. */
export function requestBytes(r: Pick<RawRequest, "method" | "url" | "headers" | "body">): Buffer {
  const lines = [`${r.method} ${r.url.pathname}${r.url.search} HTTP/1.1`, `host: ${r.url.host}`, "connection: close"];
  for (const [name, value] of Object.entries(r.headers)) {
    if (/[\0\r\n]/.test(name + value) || !/^[!#$%&'*+.^_`|~0-9a-z-]+$/.test(name))
      throw new TypeError(`a request header cannot carry ${JSON.stringify(name)}: a control character or bad name`);
    lines.push(`${name}: ${value}`);
  }
  if (r.body !== undefined) lines.push(`content-length: ${r.body.length}`);
  const head = Buffer.from(`${lines.join("\r\n")}\r\n\r\n`, "latin1");
  return r.body === undefined ? head : Buffer.concat([head, r.body]);
}

/** Sends the request; resolves once the response head is in (1xx interim responses skipped). */
export function rawRequest(r: RawRequest): Promise<RawResponse> {
  if (r.url.protocol !== "http:")
    return Promise.reject(new TypeError(`rawRequest takes http: URLs, not ${r.url.protocol}`));
  if (r.signal.aborted) return Promise.reject(abortError(r.signal));
  try {
    return new RawExchange(r).head;
  } catch (e) {
    return Promise.reject(e); // a header refused by requestBytes
  }
}

class RawExchange {
  readonly head: Promise<RawResponse>;
  private readonly socket: net.Socket;
  /** One reused read buffer, or two areas filled in turn (`holdBytes`). */
  private readonly areas: Buffer[];
  private area = 0;
  /** Bytes of the current area already read into (areas only). */
  private fill = 0;
  private headBytes: Buffer = Buffer.alloc(0);
  private decoder: BodyDecoder | undefined;
  /** Body views not yet handed out; they point into the read areas (or the copied head bytes). */
  private readonly views: Uint8Array[] = [];
  private bodyDone = false;
  private failure: Error | undefined;
  private closed = false;
  private waiter: { resolve: (r: IteratorResult<Uint8Array>) => void; reject: (e: Error) => void } | undefined;
  private headSettle!: { resolve: (r: RawResponse) => void; reject: (e: Error) => void };
  private readonly onAbort = () => this.fail(abortError(this.r.signal));

  constructor(private readonly r: RawRequest) {
    this.head = new Promise((resolve, reject) => (this.headSettle = { resolve, reject }));
    const bytes = requestBytes(r);
    const hold = r.holdBytes ?? 0;
    this.areas =
      hold > 0
        ? [Buffer.allocUnsafeSlow(hold + MIN_READ_BYTES), Buffer.allocUnsafeSlow(hold + MIN_READ_BYTES)]
        : [Buffer.allocUnsafeSlow(READ_BUFFER_BYTES)];
    this.socket = net.connect({
      host: r.url.hostname.replace(/^\[|\]$/g, ""),
      port: Number(r.url.port || 80),
      noDelay: true,
      onread: {
        buffer: () => this.readInto(),
        callback: (n: number, buf: Uint8Array) => {
          this.fill += n;
          return this.onRead(buf.subarray(0, n));
        },
      },
    });
    this.socket.on("error", (e) => this.fail(e));
    this.socket.on("end", () => this.onEnd());
    this.socket.on("close", () => this.onClose());
    r.signal.addEventListener("abort", this.onAbort, { once: true });
    this.socket.write(bytes);
  }

  /**
   * Where the next socket read goes. Areas: after the previous read, or at the start of the
   * other area when less than MIN_READ_BYTES is left. Switching back to an area is safe: its
   * chunks are at least a whole area (> holdBytes) behind the read position.
   */
  private readInto(): Buffer {
    if (this.areas.length === 1) return this.areas[0] as Buffer;
    if ((this.areas[this.area] as Buffer).length - this.fill < MIN_READ_BYTES) {
      this.area = this.area === 0 ? 1 : 0;
      this.fill = 0;
    }
    return (this.areas[this.area] as Buffer).subarray(this.fill);
  }

  /** One socket read; returns false (stop reading) when it handed out views of the read buffer. */
  private onRead(bytes: Uint8Array): boolean {
    if (this.closed) return false;
    try {
      if (this.decoder === undefined) {
        const rest = this.takeHead(bytes);
        if (rest === undefined) return true;
        bytes = rest;
      }
      const decoded = (this.decoder as BodyDecoder).push(bytes);
      for (const d of decoded.data) this.views.push(d);
      if (decoded.done) this.finishBody();
      this.deliver();
      // Views of this read are out or waiting: no read until the caller asks again (next()).
      return decoded.data.length === 0;
    } catch (e) {
      this.fail(e as Error);
      return false;
    }
  }

  /** Gathers the head; once whole, resolves `head` and returns the body bytes after it (a copy). */
  private takeHead(bytes: Uint8Array): Uint8Array | undefined {
    this.headBytes = Buffer.concat([this.headBytes, bytes]);
    for (;;) {
      const head: ResponseHead | undefined = parseResponseHead(this.headBytes);
      if (head === undefined) return undefined;
      const rest = this.headBytes.subarray(head.length);
      if (head.status >= 100 && head.status < 200 && head.status !== 101) {
        this.headBytes = rest; // an interim response (100 Continue, 103 Early Hints)
        continue;
      }
      this.decoder = createBodyDecoder(bodyFraming(head.status, head.headers));
      this.headSettle.resolve(this.response(head));
      return rest;
    }
  }

  private response(head: ResponseHead): RawResponse {
    return {
      status: head.status,
      headers: head.headers,
      body: { next: () => this.next(), return: async () => this.end() },
      destroy: () => this.close(),
    };
  }

  private next(): Promise<IteratorResult<Uint8Array>> {
    const view = this.views.shift();
    if (view !== undefined) return Promise.resolve({ done: false, value: view });
    if (this.failure !== undefined) return Promise.reject(this.failure);
    if (this.bodyDone) return Promise.resolve({ done: true, value: undefined });
    // The caller holds no view any more: the read buffer may be filled again. (A read
    // callback returning false stops the handle without pausing the stream; resume() restarts it.)
    this.socket.resume();
    return new Promise((resolve, reject) => (this.waiter = { resolve, reject }));
  }

  private end(): IteratorResult<Uint8Array> {
    this.views.length = 0;
    this.close();
    return { done: true, value: undefined };
  }

  private deliver(): void {
    const w = this.waiter;
    if (w === undefined) return;
    const view = this.views.shift();
    if (view !== undefined) {
      this.waiter = undefined;
      w.resolve({ done: false, value: view });
    } else if (this.failure !== undefined) {
      this.waiter = undefined;
      w.reject(this.failure);
    } else if (this.bodyDone) {
      this.waiter = undefined;
      w.resolve({ done: true, value: undefined });
    }
  }

  private finishBody(): void {
    this.bodyDone = true;
    this.close(); // one request per connection; the read buffer stays ours
  }

  private onEnd(): void {
    if (this.decoder === undefined) {
      this.fail(connectionError("the peer closed the connection before its response head"));
    } else if (!this.bodyDone) {
      if (this.decoder.endOfInput()) this.finishBody();
      else this.fail(connectionError(`the peer closed the connection after ${this.decoder.received} body bytes`));
    }
    this.deliver();
  }

  private onClose(): void {
    if (!this.bodyDone && this.failure === undefined) this.fail(connectionError("the connection closed"));
    this.close();
  }

  private fail(e: Error): void {
    if (this.failure !== undefined || this.bodyDone) return;
    this.failure = e;
    this.headSettle.reject(e);
    this.close();
    this.deliver();
  }

  private close(): void {
    if (this.closed) return;
    this.closed = true;
    this.r.signal.removeEventListener("abort", this.onAbort);
    this.socket.destroy();
  }
}
