/**
 * One HTTP/1.1 request over a plain TCP connection, read into reused memory (`net.Socket`'s
 * `onread`, raw-connection.ts): no buffer allocated per socket read, no copy of the body by
 * Node's HTTP parser (docs/performance.md "What the profiles showed"). The body's bytes are
 * views of that memory, valid only until the next `next()`: for callers that copy each chunk
 * at once (the piece assembler), never for callers that keep chunks (a write-behind).
 *
 * The connection reads again only when the caller asks for more and holds no view, so the
 * buffer is never overwritten under a view. Connections are kept alive (connection-pool.ts):
 * one goes back to the pool only once its reader asked past the body's last chunk (or
 * returned), so it holds no view when the next response is read into the same memory, and
 * only when reuse-decision.ts says its state is known (the framing ended exactly, nothing
 * after it, no fault). A request on a reused connection that fails before any response byte
 * (the server closed it idle) is sent once more on a new connection (docs/downloads.md
 * "Connections of the raw HTTP/1.1 reader").
 *
 * With `holdBytes`, reads fill two areas in turn, each read after the last, so a chunk stays
 * valid until `holdBytes` more bytes were read after it: a Connect or gRPC message cut by reads
 * is then whole in place, and the envelope splitter keeps views of it instead of copying it
 * (one copy of every byte less: docs/performance.md "Client CPU").
 */
import { createBodyDecoder, bodyFraming, type BodyDecoder, type BodyFraming } from "./body-framing.js";
import { connectionPool, IDLE_TIMEOUT_MS, type ConnectionPool } from "./connection-pool.js";
import { RawConnection, type ConnectionReader } from "./raw-connection.js";
import { ViewQueue } from "./view-queue.js";
import { parseResponseHead, type ResponseHead } from "./response-head.js";
import { reuseDecision } from "./reuse-decision.js";

export { MIN_READ_BYTES, READ_BUFFER_BYTES } from "./raw-connection.js";

/** A request. */
export interface RawRequest {
  readonly method: "GET" | "POST";
  /** An `http:` URL. */
  readonly url: URL;
  /** Lower-case names; `host` and `content-length` are set here. */
  readonly headers: Readonly<Record<string, string>>;
  readonly body?: Uint8Array | undefined;
  readonly signal: AbortSignal;
  /**
   * Body bytes kept valid behind the read position: a chunk stays valid until this many more
   * bytes were read after it (two read areas of `holdBytes` + MIN_READ_BYTES each). 0: one
   * READ_BUFFER_BYTES buffer, a chunk valid only until the next `next()`. @default 0
   */
  readonly holdBytes?: number | undefined;
  /** Where idle kept-alive connections are taken from and given back. @default connectionPool (the process's) */
  readonly pool?: ConnectionPool | undefined;
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

/** A reused connection failed before any response byte: the server had closed it idle. */
class StaleConnection extends Error {}

/** The request's bytes; throws on a header value that could split the request. */
export function requestBytes(r: Pick<RawRequest, "method" | "url" | "headers" | "body">): Buffer {
  const lines = [`${r.method} ${r.url.pathname}${r.url.search} HTTP/1.1`, `host: ${r.url.host}`];
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
export async function rawRequest(r: RawRequest): Promise<RawResponse> {
  if (r.url.protocol !== "http:") throw new TypeError(`rawRequest takes http: URLs, not ${r.url.protocol}`);
  if (r.signal.aborted) throw abortError(r.signal);
  const bytes = requestBytes(r); // throws on a header that could split the request
  const host = r.url.hostname.replace(/^\[|\]$/g, "");
  const port = Number(r.url.port || 80);
  const hold = r.holdBytes ?? 0;
  const pool = r.pool ?? connectionPool;
  const key = `${host}:${port}/${hold}`;
  const kept = pool.take(key);
  if (kept !== undefined) {
    try {
      return await new RawExchange(r, bytes, kept, true, (c, ms) => pool.put(key, c, ms)).head;
    } catch (e) {
      if (!(e instanceof StaleConnection)) throw e;
    }
    if (r.signal.aborted) throw abortError(r.signal);
  }
  const fresh = new RawConnection(host, port, hold);
  return new RawExchange(r, bytes, fresh, false, (c, ms) => pool.put(key, c, ms)).head;
}

/** One request and its response over one connection (fresh or kept alive). */
class RawExchange implements ConnectionReader {
  readonly head: Promise<RawResponse>;
  private headBytes: Buffer = Buffer.alloc(0);
  private response: ResponseHead | undefined;
  private framing: BodyFraming["kind"] = "none";
  private decoder: BodyDecoder | undefined;
  /** Body views not yet handed out (they point into the read areas, or the copied head bytes), and the reader waiting. */
  private readonly views = new ViewQueue();
  private bodyDone = false;
  /** Bytes after the body's end. */
  private extra = 0;
  /** Bytes received on the connection by this exchange. */
  private received = 0;
  /** An error, abort, end or close was seen: the connection is not reused. */
  private faulted = false;
  private failure: Error | undefined;
  /** The connection was given back or closed: nothing here touches it any more. */
  private closed = false;
  private headSettle!: { resolve: (r: RawResponse) => void; reject: (e: Error) => void };
  /**
   * An abort once the body is all in changes nothing on the wire: the connection stays clean (the
   * engine's endgame aborts a read whose pieces are all in hand while the body's end arrives).
   */
  private readonly onAbort = () => {
    if (!this.bodyDone) this.fail(abortError(this.r.signal));
  };

  constructor(
    private readonly r: RawRequest,
    bytes: Buffer,
    private readonly conn: RawConnection,
    private readonly reused: boolean,
    private readonly keep: (connection: RawConnection, idleMs: number) => void,
  ) {
    this.head = new Promise((resolve, reject) => (this.headSettle = { resolve, reject }));
    conn.attach(this);
    r.signal.addEventListener("abort", this.onAbort, { once: true });
    conn.write(bytes);
  }

  /** One socket read; returns false (stop reading) when it handed out views or the body is over. */
  onRead(bytes: Uint8Array): boolean {
    if (this.closed) return false;
    this.received += bytes.length;
    try {
      if (this.decoder === undefined) {
        const rest = this.takeHead(bytes);
        if (rest === undefined) return true;
        bytes = rest;
      }
      const decoded = (this.decoder as BodyDecoder).push(bytes);
      for (const d of decoded.data) this.views.push(d);
      if (decoded.done) {
        this.bodyDone = true;
        this.extra = decoded.extra;
        this.conn.rewind(); // the next response is read from the start (raw-connection.ts)
      }
      this.deliver();
      // Views of this read are out or waiting: no read until the caller asks again (next()).
      // After the body, none until the connection is given back (or closed).
      return !decoded.done && decoded.data.length === 0;
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
      const framing = bodyFraming(head.status, head.headers);
      this.response = head;
      this.framing = framing.kind;
      this.decoder = createBodyDecoder(framing);
      this.headSettle.resolve(this.toResponse(head));
      return rest;
    }
  }

  private toResponse(head: ResponseHead): RawResponse {
    return {
      status: head.status,
      headers: head.headers,
      body: { next: () => this.next(), return: async () => this.end() },
      destroy: () => this.finish(false),
    };
  }

  private next(): Promise<IteratorResult<Uint8Array>> {
    // At the end the caller holds no view: the connection may read the next response.
    const now = this.views.answer(this.failure, this.bodyDone, this.readToEnd);
    if (now !== undefined) return now;
    // The caller holds no view any more: the read buffer may be filled again. (A read
    // callback returning false stops the handle without pausing the stream; resume() restarts it.)
    this.conn.resume();
    return this.views.wait();
  }

  private readonly readToEnd = (): void => this.finish(true);

  private end(): IteratorResult<Uint8Array> {
    // Every chunk of a complete body handed out: read to its end, though `done` was not asked for.
    const readToEnd = this.bodyDone && this.views.length === 0;
    this.views.clear();
    this.finish(readToEnd);
    return { done: true, value: undefined };
  }

  private deliver(): void {
    this.views.deliver(this.failure, this.bodyDone, this.readToEnd);
  }

  onEnd(): void {
    this.faulted = true; // the server ended its side: the connection is not reused
    if (this.decoder === undefined) {
      this.fail(connectionError("the peer closed the connection before its response head"));
    } else if (!this.bodyDone) {
      if (this.decoder.endOfInput()) this.bodyDone = true;
      else this.fail(connectionError(`the peer closed the connection after ${this.decoder.received} body bytes`));
    }
    this.deliver();
  }

  onClose(): void {
    this.faulted = true;
    if (!this.bodyDone && this.failure === undefined) this.fail(connectionError("the connection closed"));
    if (this.bodyDone) this.deliver();
  }

  onError(e: Error): void {
    this.fail(e);
  }

  private fail(e: Error): void {
    this.faulted = true;
    if (this.failure !== undefined || this.bodyDone) return;
    // Nothing came back on a kept-alive connection: it was closed idle; rawRequest sends again.
    const stale = this.reused && this.received === 0 && !this.r.signal.aborted;
    this.failure = stale ? new StaleConnection(e.message, { cause: e }) : e;
    this.headSettle.reject(this.failure);
    this.finish(false);
    this.deliver();
  }

  /** Gives the connection back when reuse-decision.ts allows, else closes it; once. */
  private finish(readToEnd: boolean): void {
    if (this.closed) return;
    this.closed = true;
    this.r.signal.removeEventListener("abort", this.onAbort);
    this.conn.detach();
    const head = this.response;
    const decision =
      head === undefined
        ? undefined
        : reuseDecision(
            {
              version: head.version,
              status: head.status,
              connection: head.headers.connection,
              keepAlive: head.headers["keep-alive"],
              framing: this.framing,
              bodyComplete: this.bodyDone,
              extraBytes: this.extra,
              readToEnd,
              faulted: this.faulted,
            },
            IDLE_TIMEOUT_MS,
          );
    if (decision?.reuse === true) {
      this.conn.resume(); // idle: reads only to notice the server's close (raw-connection.ts)
      this.keep(this.conn, decision.idleMs);
    } else this.conn.destroy();
    if (!this.bodyDone && this.failure === undefined) {
      // Closed by the caller (destroy, return) before the body's end: a pending next() ends too.
      this.failure = connectionError("the connection closed");
      this.headSettle.reject(this.failure);
      this.deliver();
    }
  }
}
