/**
 * The stream of the raw HTTP/2 reader (h2-request.ts sends the request): the response head and
 * trailers decoded with HPACK and checked (h2-fields.ts), DATA handed to the reader as views of
 * the read areas (the frame layer is h2-frame-reader.ts), errors as Node's (h2-errors.ts).
 *
 * Flow control (RFC 9113 §5.2, §6.9): we announce a 4 MiB stream window and raise the
 * connection's to the same, and credit both only with the DATA bytes the reader has taken (it
 * asked for the next view), in WINDOW_UPDATEs of at least an eighth of the window: a slow reader
 * bounds what the server may send. The socket reads again only when the reader holds no view it
 * was given, as raw-http/ does. The connection carries stream 1 only and is closed after it
 * (docs/downloads.md "Connections of the raw HTTP/2 reader").
 */
import type { ConnectionReader } from "../raw-http/raw-connection.js";
import { ViewQueue } from "../raw-http/view-queue.js";
import {
  H2Error,
  MAX_HEADER_LIST_BYTES,
  RECEIVE_WINDOW,
  goawayFrame,
  rstStreamFrame,
  windowUpdateFrame,
} from "./h2-frames.js";
import { H2FrameReader, STREAM } from "./h2-frame-reader.js";
import { HeaderListTooLargeError, HpackDecoder, HpackError } from "./hpack-decoder.js";
import { h2Error, type H2Failure } from "./h2-errors.js";
import { responseHead, trailerFields } from "./h2-fields.js";

/** Credit the windows once this many taken bytes are owed: an eighth of the window (512 KiB). */
export const WINDOW_UPDATE_BYTES = RECEIVE_WINDOW / 8;
/** Our own frames (acks) waiting in the socket at most before the peer is refused: 1 MiB. */
const MAX_PENDING_WRITE_BYTES = 1024 * 1024;

/** A request. */
export interface RawH2Request {
  /** An `http:` URL (the path and query are sent). */
  readonly url: URL;
  /** Lower-case names, no pseudo-headers. */
  readonly headers: Readonly<Record<string, string>>;
  /** At most 65,535 bytes (the window every server grants before its SETTINGS). */
  readonly body: Uint8Array;
  readonly signal: AbortSignal;
  /** As RawRequest's: body bytes kept valid behind the read position (see layoutHoldBytes). */
  readonly holdBytes: number;
}

/** What an exchange needs of its connection (raw-http/raw-connection.ts's, or a recording one in tests). */
export interface H2Connection {
  /** Gives the connection's reads and events to `reader`. */
  attach(reader: ConnectionReader): void;
  /** Takes the reader off. */
  detach(): void;
  write(bytes: Uint8Array): void;
  /** Reads again after a read callback returned false. */
  resume(): void;
  /** Bytes written and not yet sent. */
  readonly pendingWriteBytes: number;
  /** Sends what was written, then closes; nothing more is read. */
  closeSoon(): void;
}

/** A response whose head has arrived. */
export interface RawH2Response {
  readonly status: number;
  readonly headers: Headers;
  /** The DATA bytes; each chunk is valid until `holdBytes` more were read (never past the next `next()` for 0). */
  readonly body: AsyncIterator<Uint8Array>;
  /** The trailers once the body is done (empty before, and for a response without them). */
  trailers(): Headers;
  /** Closes the connection (RST_STREAM CANCEL first when the stream is open). */
  destroy(): void;
}

/** The error of an aborted request, as Node names it. */
export function abortError(signal: AbortSignal): Error {
  return Object.assign(new Error("The operation was aborted"), {
    name: "AbortError",
    code: "ABORT_ERR",
    cause: signal.reason,
  });
}

type Phase = "head" | "body" | "done";

/**
 * The connection's one stream and its flow control; exported for tests that cut a server's
 * bytes at every position (rawH2Request is the entry).
 */
export class H2Exchange extends H2FrameReader implements ConnectionReader {
  readonly head: Promise<RawH2Response>;
  private headSettle!: { resolve: (r: RawH2Response) => void; reject: (e: Error) => void };
  private phase: Phase = "head";
  private readonly hpack = new HpackDecoder(4096, MAX_HEADER_LIST_BYTES);
  private trailerHeaders = new Headers();
  /** Bytes taken but not yet credited. */
  private owed = 0;
  private contentLength = -1;
  private readonly views = new ViewQueue();
  private bodyDone = false;
  private failure: Error | undefined;
  private readonly onAbort = () => {
    if (!this.bodyDone) this.fail(abortError(this.r.signal), H2Error.CANCEL);
  };

  constructor(
    private readonly r: RawH2Request,
    private readonly conn: H2Connection,
  ) {
    super();
    this.head = new Promise((resolve, reject) => (this.headSettle = { resolve, reject }));
    conn.attach(this);
    r.signal.addEventListener("abort", this.onAbort, { once: true });
  }

  /** One socket read; returns false (stop reading) when it handed out views or the stream is over. */
  onRead(bytes: Uint8Array): boolean {
    if (this.closed) return false;
    const before = this.views.length;
    try {
      this.parse(bytes);
    } catch (e) {
      const failure = e instanceof Error ? e : new Error(String(e));
      this.fail(failure, "h2Code" in failure ? (failure as H2Failure).h2Code : H2Error.INTERNAL_ERROR);
      return false;
    }
    if (this.conn.pendingWriteBytes > MAX_PENDING_WRITE_BYTES) {
      this.fail(
        h2Error("the peer does not read our frames (PING and SETTINGS acks pile up)", H2Error.ENHANCE_YOUR_CALM),
        H2Error.ENHANCE_YOUR_CALM,
      );
      return false;
    }
    this.deliver();
    return !this.bodyDone && this.views.length === before && !this.closed;
  }

  protected write(bytes: Uint8Array): void {
    this.conn.write(bytes);
  }

  protected streamOpen(): boolean {
    return !this.bodyDone;
  }

  protected acceptsData(): boolean {
    return this.phase === "body" && !this.bodyDone;
  }

  protected onData(view: Uint8Array): void {
    this.views.push(view);
  }

  protected onStreamEnd(): void {
    this.endStream();
  }

  protected onHeaderBlock(block: Buffer, endStream: boolean): void {
    let fields: ReturnType<HpackDecoder["decode"]>;
    try {
      fields = this.hpack.decode(block);
    } catch (e) {
      if (e instanceof HpackError)
        throw h2Error(`a header block HPACK cannot decode: ${e.message}`, H2Error.COMPRESSION_ERROR);
      if (e instanceof HeaderListTooLargeError) throw h2Error(e.message, H2Error.ENHANCE_YOUR_CALM);
      throw e;
    }
    if (this.phase === "body") {
      // Trailers (§8.1): they end the stream.
      if (!endStream) throw h2Error("trailers without END_STREAM", H2Error.PROTOCOL_ERROR);
      this.trailerHeaders = trailerFields(fields);
      this.endStream();
      return;
    }
    const head = responseHead(fields);
    if (head.status < 200) {
      if (endStream) throw h2Error("an interim response that ends the stream", H2Error.PROTOCOL_ERROR);
      return; // 1xx: the final response follows (§8.1)
    }
    this.phase = "body";
    this.contentLength = head.contentLength;
    this.headSettle.resolve({
      status: head.status,
      headers: head.headers,
      body: { next: () => this.next(), return: async () => this.end() },
      trailers: () => this.trailerHeaders,
      // Once the stream ended there is nothing to reset: the connection just closes.
      destroy: () =>
        this.bodyDone
          ? this.close()
          : this.fail(h2Error("the reader closed the stream", H2Error.CANCEL), H2Error.CANCEL),
    });
    if (endStream) this.endStream();
  }

  private endStream(): void {
    if (this.contentLength >= 0 && this.contentLength !== this.dataBytes)
      throw h2Error(`content-length ${this.contentLength}, but ${this.dataBytes} DATA bytes`, H2Error.PROTOCOL_ERROR);
    this.bodyDone = true;
    this.phase = "done";
  }

  private next(): Promise<IteratorResult<Uint8Array>> {
    const now = this.views.answer(this.failure, this.bodyDone, this.closeAtEnd);
    if (now !== undefined) return now;
    this.take();
    this.conn.resume();
    return this.views.wait();
  }

  private readonly closeAtEnd = (): void => this.close();

  /** The reader holds no view: what was handed out is taken; credit the windows in large steps. */
  private take(): void {
    this.owed += this.handedOut;
    this.handedOut = 0;
    if (this.owed < WINDOW_UPDATE_BYTES) return;
    this.streamWindow += this.owed;
    this.connectionWindow += this.owed;
    this.conn.write(Buffer.concat([windowUpdateFrame(0, this.owed), windowUpdateFrame(STREAM, this.owed)]));
    this.owed = 0;
  }

  private end(): IteratorResult<Uint8Array> {
    this.views.clear();
    if (this.bodyDone) this.close();
    else this.fail(h2Error("the reader closed the stream", H2Error.CANCEL), H2Error.CANCEL);
    return { done: true, value: undefined };
  }

  private deliver(): void {
    this.views.deliver(this.failure, this.bodyDone, this.closeAtEnd);
  }

  onEnd(): void {
    this.onClose();
  }

  onClose(): void {
    if (this.bodyDone || this.failure !== undefined) return;
    const goaway = this.goawayCode === undefined ? "" : ` (after GOAWAY 0x${this.goawayCode.toString(16)})`;
    const at = this.phase === "body" ? `after ${this.dataBytes} DATA bytes` : "before its response";
    this.fail(Object.assign(new Error(`the peer closed the connection ${at}${goaway}`), { code: "ECONNRESET" }));
  }

  onError(e: Error): void {
    this.fail(e);
  }

  /** Fails the stream (telling the server with `code` when given) and closes the connection. */
  private fail(e: Error, code?: number): void {
    if (this.failure !== undefined || this.closed) return;
    if (this.bodyDone) {
      // The stream is whole (its end and trailers came): a later fault of the connection changes
      // nothing for the reader, who still gets every view and then the end.
      this.close();
      return;
    }
    this.failure = e;
    if (code !== undefined) {
      const connectionLevel = code !== H2Error.CANCEL;
      this.conn.write(connectionLevel ? goawayFrame(code) : rstStreamFrame(STREAM, code));
    }
    this.headSettle.reject(e);
    this.close();
    this.deliver();
  }

  /** Closes the connection once (a polite end after a whole stream, else at once). */
  private close(): void {
    if (this.closed) return;
    this.closed = true;
    this.r.signal.removeEventListener("abort", this.onAbort);
    this.conn.detach();
    // Flushes what was written (a GOAWAY, an RST_STREAM), then closes; bytes still to come are dropped.
    if (this.failure === undefined) this.conn.write(goawayFrame(H2Error.NO_ERROR));
    this.conn.closeSoon();
  }
}
