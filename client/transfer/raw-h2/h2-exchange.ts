/**
 * One HTTP/2 request over a cleartext connection of its own (h2c with prior knowledge, RFC 9113
 * §3.3), read into reused memory the way raw-http/ reads HTTP/1.1: socket reads land in two
 * read areas filled in turn (raw-http/raw-connection.ts, `net.Socket`'s `onread`), frames are
 * parsed in place, and the DATA payloads are handed on as views of the areas: no buffer
 * allocated per socket read, no object per frame besides the view (docs/performance.md
 * "HTTP/2 (grpc, connect-h2)"). The connection carries stream 1 only and is closed after it
 * (a connection per read; docs/downloads.md "Connections of the raw HTTP/2 reader").
 *
 * Flow control (§5.2, §6.9): we announce a 4 MiB stream window and raise the connection's to
 * the same, and credit both only with the DATA bytes the reader has taken (it asked for the
 * next view), in WINDOW_UPDATEs of at least an eighth of the window: a slow reader bounds what
 * the server may send. The socket reads again only when the reader holds no view it was
 * given, as raw-http/ does.
 *
 * A view stays valid until `holdBytes` more bytes were read after it (the areas' guarantee),
 * and frame headers, padding and other frames sit between DATA bytes on the wire; so the
 * bytes that are not DATA are bounded per DATA byte (OVERHEAD_* below: a 160 KiB burst plus
 * 1/64 of the DATA since; Node's 16 KiB frames cost 9/16,384), and the areas are sized for a
 * message plus that bound (`layoutHoldBytes`). A peer past it is refused (ENHANCE_YOUR_CALM).
 */
import { RawConnection, type ConnectionReader } from "../raw-http/raw-connection.js";
import {
  CLIENT_PREFACE,
  DEFAULT_MAX_FRAME_SIZE,
  DEFAULT_WINDOW,
  Flag,
  FRAME_HEADER_BYTES,
  FrameType,
  H2Error,
  MAX_HEADER_BLOCK_BYTES,
  MAX_HEADER_LIST_BYTES,
  RECEIVE_WINDOW,
  Setting,
  dataFrames,
  frame,
  goawayFrame,
  headerFrames,
  rstStreamFrame,
  settingsFrame,
  windowUpdateFrame,
} from "./h2-frames.js";
import { encodeLiteralFields, HeaderListTooLargeError, HpackDecoder, HpackError } from "./hpack-decoder.js";
import { h2Error, h2ResetError, h2StreamRefused, type H2Failure } from "./h2-errors.js";
import { responseHead, trailerFields } from "./h2-fields.js";

/** Non-DATA bytes allowed at once: a largest head and trailers (MAX_HEADER_BLOCK_BYTES each) and 32 KiB of frames: 160 KiB. */
export const OVERHEAD_BURST_BYTES = 2 * MAX_HEADER_BLOCK_BYTES + 32 * 1024;
/** Non-DATA bytes allowed per DATA byte beyond the burst: 1/64. */
export const OVERHEAD_PER_DATA = 1 / 64;
/** Credit the windows once this many taken bytes are owed: an eighth of the window (512 KiB). */
export const WINDOW_UPDATE_BYTES = RECEIVE_WINDOW / 8;
/** Our own frames (acks) waiting in the socket at most before the peer is refused: 1 MiB. */
const MAX_PENDING_WRITE_BYTES = 1024 * 1024;
const STREAM = 1;

/** The `holdBytes` of read areas that keep a message of `messageBytes` whole whatever frames carry it. */
export function layoutHoldBytes(messageBytes: number): number {
  return messageBytes + OVERHEAD_BURST_BYTES + Math.ceil(messageBytes * OVERHEAD_PER_DATA) + 2 * FRAME_HEADER_BYTES;
}

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

function abortError(signal: AbortSignal): Error {
  return Object.assign(new Error("The operation was aborted"), {
    name: "AbortError",
    code: "ABORT_ERR",
    cause: signal.reason,
  });
}

/** Sends the request on a new connection; resolves once the final response head is in. */
export function rawH2Request(r: RawH2Request): Promise<RawH2Response> {
  if (r.url.protocol !== "http:")
    return Promise.reject(new TypeError(`rawH2Request takes http: URLs, not ${r.url.protocol}`));
  if (r.signal.aborted) return Promise.reject(abortError(r.signal));
  if (r.body.length > DEFAULT_WINDOW) return Promise.reject(new RangeError("a request body above 65,535 bytes"));
  const fields: [string, string][] = [
    [":method", "POST"],
    [":scheme", "http"],
    [":authority", r.url.host],
    [":path", `${r.url.pathname}${r.url.search}`],
  ];
  for (const [name, value] of Object.entries(r.headers)) fields.push([name, value]);
  const block = encodeLiteralFields(fields); // throws on a field that could not be sent
  const host = r.url.hostname.replace(/^\[|\]$/g, "");
  const raw = new RawConnection(host, Number(r.url.port || 80), r.holdBytes);
  const conn: H2Connection = {
    attach: (reader) => raw.attach(reader),
    detach: () => raw.detach(),
    write: (bytes) => raw.write(bytes),
    resume: () => raw.resume(),
    get pendingWriteBytes() {
      return raw.socket.writableLength;
    },
    closeSoon: () => raw.socket.destroySoon(),
  };
  const exchange = new H2Exchange(r, conn);
  // Everything goes before the server's SETTINGS: frames of the default 16 KiB, which every
  // server accepts whatever it announces (§4.2), within the default 65,535-byte window.
  conn.write(
    Buffer.concat([
      CLIENT_PREFACE,
      settingsFrame([
        [Setting.ENABLE_PUSH, 0],
        [Setting.INITIAL_WINDOW_SIZE, RECEIVE_WINDOW],
        [Setting.MAX_HEADER_LIST_SIZE, MAX_HEADER_LIST_BYTES],
      ]),
      windowUpdateFrame(0, RECEIVE_WINDOW - DEFAULT_WINDOW),
      ...headerFrames(STREAM, block, false, DEFAULT_MAX_FRAME_SIZE),
      ...dataFrames(STREAM, r.body, DEFAULT_MAX_FRAME_SIZE),
    ]),
  );
  return exchange.head;
}

type Phase = "preface" | "head" | "body" | "done";

/**
 * The connection's one stream, its frame parser and flow control; exported for tests that
 * cut a server's bytes at every position (rawH2Request is the entry).
 */
export class H2Exchange implements ConnectionReader {
  readonly head: Promise<RawH2Response>;
  private headSettle!: { resolve: (r: RawH2Response) => void; reject: (e: Error) => void };
  private phase: Phase = "preface";
  private readonly hpack = new HpackDecoder(4096, MAX_HEADER_LIST_BYTES);
  private trailerHeaders = new Headers();
  /** Frame header being read (it may be cut by reads). */
  private readonly frameHead = new Uint8Array(FRAME_HEADER_BYTES);
  private frameHeadFill = 0;
  private type = 0;
  private flags = 0;
  private streamId = 0;
  private length = 0;
  /** Payload bytes of the current frame still to come; -1 while reading a frame header. */
  private left = -1;
  /** DATA: padding bytes at the frame's end (-1 until the pad length byte was read). */
  private padding = 0;
  /** Other frames: their payload, gathered (at most DEFAULT_MAX_FRAME_SIZE). */
  private readonly payload = Buffer.allocUnsafe(DEFAULT_MAX_FRAME_SIZE);
  private payloadFill = 0;
  /** A header block waiting for CONTINUATION frames. */
  private block: Buffer[] = [];
  private blockBytes = 0;
  private blockEndStream = false;
  private continuing = false;
  private streamWindow = RECEIVE_WINDOW;
  private connectionWindow = RECEIVE_WINDOW;
  /** Bytes of DATA frames handed out (or skipped: padding) since the reader last asked for more. */
  private handedOut = 0;
  /** Bytes taken but not yet credited. */
  private owed = 0;
  private overheadTokens = OVERHEAD_BURST_BYTES;
  private dataBytes = 0;
  private contentLength = -1;
  private goawayCode: number | undefined;
  private readonly views: Uint8Array[] = [];
  private bodyDone = false;
  private failure: Error | undefined;
  private closed = false;
  private waiter: { resolve: (r: IteratorResult<Uint8Array>) => void; reject: (e: Error) => void } | undefined;
  private readonly onAbort = () => {
    if (!this.bodyDone) this.fail(abortError(this.r.signal), H2Error.CANCEL);
  };

  constructor(
    private readonly r: RawH2Request,
    private readonly conn: H2Connection,
  ) {
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

  private parse(bytes: Uint8Array): void {
    let at = 0;
    while (at < bytes.length && !this.closed) {
      if (this.left < 0) {
        const take = Math.min(FRAME_HEADER_BYTES - this.frameHeadFill, bytes.length - at);
        this.frameHead.set(bytes.subarray(at, at + take), this.frameHeadFill);
        this.frameHeadFill += take;
        at += take;
        if (this.frameHeadFill < FRAME_HEADER_BYTES) return;
        this.frameHeadFill = 0;
        this.beginFrame();
        if (this.left === 0) this.endFrame();
        continue;
      }
      if (this.type === FrameType.DATA) {
        at = this.dataBytesAt(bytes, at);
        continue;
      }
      const take = Math.min(this.left, bytes.length - at);
      if (this.type <= FrameType.CONTINUATION) this.payload.set(bytes.subarray(at, at + take), this.payloadFill);
      this.payloadFill += take;
      this.left -= take;
      at += take;
      if (this.left === 0) this.endFrame();
    }
  }

  private spend(overhead: number): void {
    this.overheadTokens -= overhead;
    if (this.overheadTokens < 0)
      throw h2Error(
        "the peer sends more framing than data (padding, tiny or unknown frames)",
        H2Error.ENHANCE_YOUR_CALM,
      );
  }

  private beginFrame(): void {
    const h = this.frameHead;
    this.length = (h[0] as number) * 65536 + ((h[1] as number) << 8) + (h[2] as number);
    this.type = h[3] as number;
    this.flags = h[4] as number;
    this.streamId =
      (((h[5] as number) & 0x7f) << 24) | ((h[6] as number) << 16) | ((h[7] as number) << 8) | (h[8] as number);
    this.left = this.length;
    this.payloadFill = 0;
    this.spend(FRAME_HEADER_BYTES + (this.type === FrameType.DATA ? 0 : this.length));
    if (this.length > DEFAULT_MAX_FRAME_SIZE)
      throw h2Error(
        `a frame of ${this.length} bytes, above the ${DEFAULT_MAX_FRAME_SIZE} we accept`,
        H2Error.FRAME_SIZE_ERROR,
      );
    if (this.phase === "preface" && (this.type !== FrameType.SETTINGS || (this.flags & Flag.ACK) !== 0))
      throw h2Error("the server's first frame is not SETTINGS", H2Error.PROTOCOL_ERROR);
    if (this.continuing !== (this.type === FrameType.CONTINUATION) || (this.continuing && this.streamId !== STREAM))
      throw h2Error("a header block interrupted, or a CONTINUATION without one", H2Error.PROTOCOL_ERROR);
    if (this.type === FrameType.DATA) this.beginData();
  }

  private beginData(): void {
    if (this.streamId !== STREAM) throw h2Error(`DATA on stream ${this.streamId}`, H2Error.PROTOCOL_ERROR);
    if (this.phase !== "body" || this.bodyDone) throw h2Error("DATA outside a response body", H2Error.PROTOCOL_ERROR);
    if (this.length > this.streamWindow || this.length > this.connectionWindow)
      throw h2Error("DATA beyond the flow-control window", H2Error.FLOW_CONTROL_ERROR);
    this.streamWindow -= this.length;
    this.connectionWindow -= this.length;
    this.padding = (this.flags & Flag.PADDED) !== 0 ? -1 : 0;
    if (this.padding < 0 && this.length === 0)
      throw h2Error("a padded DATA without its pad length", H2Error.FRAME_SIZE_ERROR);
  }

  /** The DATA payload bytes of `bytes` from `at`: views for the data, skipped padding. */
  private dataBytesAt(bytes: Uint8Array, at: number): number {
    if (this.padding < 0) {
      this.padding = bytes[at++] as number;
      this.left--;
      this.handedOut++;
      this.spend(1 + this.padding);
      if (this.padding > this.left) throw h2Error("DATA padding longer than its frame", H2Error.PROTOCOL_ERROR);
    }
    const dataLeft = this.left - this.padding;
    const data = Math.min(dataLeft, bytes.length - at);
    if (data > 0) {
      this.views.push(bytes.subarray(at, at + data));
      this.dataBytes += data;
      this.overheadTokens = Math.min(OVERHEAD_BURST_BYTES, this.overheadTokens + data * OVERHEAD_PER_DATA);
    }
    let skip = 0;
    if (data === dataLeft) {
      skip = Math.min(this.padding, bytes.length - at - data);
      this.padding -= skip;
    }
    this.left -= data + skip;
    this.handedOut += data + skip;
    at += data + skip;
    if (this.left === 0) this.endFrame();
    return at;
  }

  private endFrame(): void {
    const payload = this.payload.subarray(0, this.length);
    this.left = -1;
    switch (this.type) {
      case FrameType.DATA:
        if ((this.flags & Flag.END_STREAM) !== 0) this.endStream();
        return;
      case FrameType.HEADERS:
        this.onHeaders(payload);
        return;
      case FrameType.CONTINUATION:
        this.addFragment(payload, (this.flags & Flag.END_HEADERS) !== 0);
        return;
      case FrameType.SETTINGS:
        this.onSettings(payload);
        return;
      case FrameType.PING:
        if (this.streamId !== 0) throw h2Error("PING on a stream", H2Error.PROTOCOL_ERROR);
        if (this.length !== 8) throw h2Error("a PING of a wrong size", H2Error.FRAME_SIZE_ERROR);
        if ((this.flags & Flag.ACK) === 0) this.conn.write(frame(FrameType.PING, Flag.ACK, 0, Buffer.from(payload)));
        return;
      case FrameType.GOAWAY:
        this.onGoaway(payload);
        return;
      case FrameType.RST_STREAM:
        if (this.streamId === 0) throw h2Error("RST_STREAM on stream 0", H2Error.PROTOCOL_ERROR);
        if (this.length !== 4) throw h2Error("an RST_STREAM of a wrong size", H2Error.FRAME_SIZE_ERROR);
        if (this.streamId === STREAM && !this.bodyDone) throw h2ResetError(payload.readUInt32BE(0));
        return;
      case FrameType.WINDOW_UPDATE:
        if (this.length !== 4) throw h2Error("a WINDOW_UPDATE of a wrong size", H2Error.FRAME_SIZE_ERROR);
        if ((payload.readUInt32BE(0) & 0x7fffffff) === 0) throw h2Error("a WINDOW_UPDATE of 0", H2Error.PROTOCOL_ERROR);
        return; // our request was sent whole within the default window
      case FrameType.PUSH_PROMISE:
        throw h2Error("PUSH_PROMISE, though we disabled push", H2Error.PROTOCOL_ERROR);
      case FrameType.PRIORITY:
        if (this.length !== 5) throw h2Error("a PRIORITY of a wrong size", H2Error.FRAME_SIZE_ERROR);
        return;
      default:
        return; // unknown frame types are ignored (§4.1, §5.5)
    }
  }

  private onSettings(payload: Buffer): void {
    if (this.streamId !== 0) throw h2Error("SETTINGS on a stream", H2Error.PROTOCOL_ERROR);
    if ((this.flags & Flag.ACK) !== 0) {
      if (this.length !== 0) throw h2Error("a SETTINGS ack with a payload", H2Error.FRAME_SIZE_ERROR);
      return;
    }
    if (this.length % 6 !== 0) throw h2Error("a SETTINGS of a wrong size", H2Error.FRAME_SIZE_ERROR);
    for (let i = 0; i < this.length; i += 6) {
      const id = payload.readUInt16BE(i);
      const value = payload.readUInt32BE(i + 2);
      if (id === Setting.ENABLE_PUSH && value !== 0) throw h2Error("a server set ENABLE_PUSH", H2Error.PROTOCOL_ERROR);
      if (id === Setting.INITIAL_WINDOW_SIZE && value > 0x7fffffff)
        throw h2Error("an initial window above 2^31 - 1", H2Error.FLOW_CONTROL_ERROR);
      if (id === Setting.MAX_FRAME_SIZE && (value < DEFAULT_MAX_FRAME_SIZE || value > 0xffffff))
        throw h2Error("a max frame size out of range", H2Error.PROTOCOL_ERROR);
      // HEADER_TABLE_SIZE bounds the server's decoder: we never index. We send nothing after
      // the request, so the server's window and frame size change nothing here.
    }
    if (this.phase === "preface") this.phase = "head";
    this.conn.write(frame(FrameType.SETTINGS, Flag.ACK, 0));
  }

  private onGoaway(payload: Buffer): void {
    if (this.streamId !== 0) throw h2Error("GOAWAY on a stream", H2Error.PROTOCOL_ERROR);
    if (this.length < 8) throw h2Error("a GOAWAY of a wrong size", H2Error.FRAME_SIZE_ERROR);
    const last = payload.readUInt32BE(0) & 0x7fffffff;
    this.goawayCode = payload.readUInt32BE(4);
    // Our stream was not processed: safe to send again (§6.8), as a refused stream.
    if (last < STREAM && !this.bodyDone) throw h2StreamRefused(this.goawayCode);
  }

  private onHeaders(payload: Buffer): void {
    if (this.streamId !== STREAM) throw h2Error(`HEADERS on stream ${this.streamId}`, H2Error.PROTOCOL_ERROR);
    if (this.phase === "done" || this.bodyDone) throw h2Error("HEADERS after the stream's end", H2Error.PROTOCOL_ERROR);
    let from = 0;
    let to = payload.length;
    if ((this.flags & Flag.PADDED) !== 0) {
      if (payload.length < 1) throw h2Error("a padded HEADERS without its pad length", H2Error.FRAME_SIZE_ERROR);
      to -= payload[0] as number;
      from = 1;
    }
    if ((this.flags & Flag.PRIORITY) !== 0) from += 5;
    if (to < from) throw h2Error("HEADERS padding longer than its frame", H2Error.PROTOCOL_ERROR);
    this.blockEndStream = (this.flags & Flag.END_STREAM) !== 0;
    this.block = [];
    this.blockBytes = 0;
    this.addFragment(payload.subarray(from, to), (this.flags & Flag.END_HEADERS) !== 0);
  }

  private addFragment(fragment: Buffer, endHeaders: boolean): void {
    this.blockBytes += fragment.length;
    if (this.blockBytes > MAX_HEADER_BLOCK_BYTES)
      throw h2Error(`a header block above ${MAX_HEADER_BLOCK_BYTES} bytes`, H2Error.ENHANCE_YOUR_CALM);
    this.block.push(Buffer.from(fragment)); // the payload scratch is reused by the next frame
    this.continuing = !endHeaders;
    if (endHeaders) this.onBlock(Buffer.concat(this.block));
  }

  private onBlock(block: Buffer): void {
    this.block = [];
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
      if (!this.blockEndStream) throw h2Error("trailers without END_STREAM", H2Error.PROTOCOL_ERROR);
      this.trailerHeaders = trailerFields(fields);
      this.endStream();
      return;
    }
    const head = responseHead(fields);
    if (head.status < 200) {
      if (this.blockEndStream) throw h2Error("an interim response that ends the stream", H2Error.PROTOCOL_ERROR);
      return; // 1xx: the final response follows (§8.1)
    }
    this.phase = "body";
    this.contentLength = head.contentLength;
    this.headSettle.resolve({
      status: head.status,
      headers: head.headers,
      body: { next: () => this.next(), return: async () => this.end() },
      trailers: () => this.trailerHeaders,
      destroy: () => this.fail(h2Error("the reader closed the stream", H2Error.CANCEL), H2Error.CANCEL),
    });
    if (this.blockEndStream) this.endStream();
  }

  private endStream(): void {
    if (this.contentLength >= 0 && this.contentLength !== this.dataBytes)
      throw h2Error(`content-length ${this.contentLength}, but ${this.dataBytes} DATA bytes`, H2Error.PROTOCOL_ERROR);
    this.bodyDone = true;
    this.phase = "done";
  }

  private next(): Promise<IteratorResult<Uint8Array>> {
    const view = this.views.shift();
    if (view !== undefined) return Promise.resolve({ done: false, value: view });
    if (this.failure !== undefined) return Promise.reject(this.failure);
    if (this.bodyDone) {
      this.close();
      return Promise.resolve({ done: true, value: undefined });
    }
    this.take();
    this.conn.resume();
    return new Promise((resolve, reject) => (this.waiter = { resolve, reject }));
  }

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
    this.views.length = 0;
    if (this.bodyDone) this.close();
    else this.fail(h2Error("the reader closed the stream", H2Error.CANCEL), H2Error.CANCEL);
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
      this.close();
      w.resolve({ done: true, value: undefined });
    }
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
