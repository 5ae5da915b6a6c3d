/**
 * The frame layer of the raw HTTP/2 reader (RFC 9113 §4–§6) for a connection carrying stream 1:
 * frames parsed in place across socket reads, DATA payloads handed on as views of the read
 * (padding skipped), header blocks gathered from HEADERS and CONTINUATION, SETTINGS and PING
 * acked, GOAWAY, RST_STREAM and WINDOW_UPDATE checked, the receive windows and the bound on
 * framing kept. What a stream does with it is h2-exchange.ts's.
 *
 * A view stays valid until `holdBytes` more bytes were read after it (raw-http's read areas),
 * and frame headers, padding and other frames sit between DATA bytes on the wire; so the bytes
 * that are not DATA are bounded (OVERHEAD_* below: a 160 KiB burst plus 1/64 of the DATA since;
 * Node's 16 KiB frames cost 9/16,384), and the areas are sized for a message plus that bound
 * (`layoutHoldBytes`). A peer past it is refused (ENHANCE_YOUR_CALM).
 */
import {
  DEFAULT_MAX_FRAME_SIZE,
  Flag,
  FRAME_HEADER_BYTES,
  FrameType,
  H2Error,
  MAX_HEADER_BLOCK_BYTES,
  RECEIVE_WINDOW,
  Setting,
  frame,
} from "./h2-frames.js";
import { h2Error, h2ResetError, h2StreamRefused } from "./h2-errors.js";

/** Non-DATA bytes allowed at once: a largest head and trailers (MAX_HEADER_BLOCK_BYTES each) and 32 KiB of frames: 160 KiB. */
export const OVERHEAD_BURST_BYTES = 2 * MAX_HEADER_BLOCK_BYTES + 32 * 1024;
/** Non-DATA bytes allowed per DATA byte beyond the burst: 1/64. */
export const OVERHEAD_PER_DATA = 1 / 64;
/** The one stream a connection carries. */
export const STREAM = 1;

/** The `holdBytes` of read areas that keep a message of `messageBytes` whole whatever frames carry it. */
export function layoutHoldBytes(messageBytes: number): number {
  return messageBytes + OVERHEAD_BURST_BYTES + Math.ceil(messageBytes * OVERHEAD_PER_DATA) + 2 * FRAME_HEADER_BYTES;
}

/** Frames in, events out to the stream (h2-exchange.ts). */
export abstract class H2FrameReader {
  /** Frame header being read (it may be cut by reads). */
  private readonly frameHead = new Uint8Array(FRAME_HEADER_BYTES);
  private frameHeadFill = 0;
  protected type = 0;
  protected flags = 0;
  protected streamId = 0;
  protected length = 0;
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
  private settingsSeen = false;
  protected streamWindow = RECEIVE_WINDOW;
  protected connectionWindow = RECEIVE_WINDOW;
  /** Bytes of DATA frames handed out (or skipped: padding) since the reader last asked for more. */
  protected handedOut = 0;
  private overheadTokens = OVERHEAD_BURST_BYTES;
  /** DATA bytes (padding excluded) of the stream so far. */
  protected dataBytes = 0;
  /** The code of the server's GOAWAY, once one came. */
  protected goawayCode: number | undefined;
  /** The stream was closed (or failed): the rest of a read is not parsed. */
  protected closed = false;

  /** Sends our frames (acks). */
  protected abstract write(bytes: Uint8Array): void;
  /** True while the stream may still get frames (its end not seen). */
  protected abstract streamOpen(): boolean;
  /** True once the response head is in and the stream open: DATA may come. */
  protected abstract acceptsData(): boolean;
  /** DATA bytes of the stream, a view of the read. */
  protected abstract onData(view: Uint8Array): void;
  /** A whole header block (a head or trailers) and whether its HEADERS ended the stream. */
  protected abstract onHeaderBlock(block: Buffer, endStream: boolean): void;
  /** END_STREAM on a DATA frame. */
  protected abstract onStreamEnd(): void;
  /** Parses one socket read; throws an H2Failure for a violation (the caller fails the stream with its code). */
  protected parse(bytes: Uint8Array): void {
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
    if (!this.settingsSeen && (this.type !== FrameType.SETTINGS || (this.flags & Flag.ACK) !== 0))
      throw h2Error("the server's first frame is not SETTINGS", H2Error.PROTOCOL_ERROR);
    if (this.continuing !== (this.type === FrameType.CONTINUATION) || (this.continuing && this.streamId !== STREAM))
      throw h2Error("a header block interrupted, or a CONTINUATION without one", H2Error.PROTOCOL_ERROR);
    if (this.type === FrameType.DATA) this.beginData();
  }
  private beginData(): void {
    if (this.streamId !== STREAM) throw h2Error(`DATA on stream ${this.streamId}`, H2Error.PROTOCOL_ERROR);
    if (!this.acceptsData()) throw h2Error("DATA outside a response body", H2Error.PROTOCOL_ERROR);
    if (this.length > this.streamWindow || this.length > this.connectionWindow)
      throw h2Error("DATA beyond the flow-control window", H2Error.FLOW_CONTROL_ERROR);
    this.streamWindow -= this.length;
    this.connectionWindow -= this.length;
    this.padding = (this.flags & Flag.PADDED) !== 0 ? -1 : 0;
    if (this.padding < 0 && this.length === 0)
      throw h2Error("a padded DATA without its pad length", H2Error.FRAME_SIZE_ERROR);
  }
  /** The DATA payload bytes of `bytes` from `at`: views for the data, padding skipped; returns where it stopped. */
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
      this.onData(bytes.subarray(at, at + data));
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
        if ((this.flags & Flag.END_STREAM) !== 0) this.onStreamEnd();
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
        if ((this.flags & Flag.ACK) === 0) this.write(frame(FrameType.PING, Flag.ACK, 0, Buffer.from(payload)));
        return;
      case FrameType.GOAWAY:
        this.onGoaway(payload);
        return;
      case FrameType.RST_STREAM:
        if (this.streamId === 0) throw h2Error("RST_STREAM on stream 0", H2Error.PROTOCOL_ERROR);
        if (this.length !== 4) throw h2Error("an RST_STREAM of a wrong size", H2Error.FRAME_SIZE_ERROR);
        if (this.streamId === STREAM && this.streamOpen()) throw h2ResetError(payload.readUInt32BE(0));
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
    this.settingsSeen = true;
    this.write(frame(FrameType.SETTINGS, Flag.ACK, 0));
  }
  private onGoaway(payload: Buffer): void {
    if (this.streamId !== 0) throw h2Error("GOAWAY on a stream", H2Error.PROTOCOL_ERROR);
    if (this.length < 8) throw h2Error("a GOAWAY of a wrong size", H2Error.FRAME_SIZE_ERROR);
    const last = payload.readUInt32BE(0) & 0x7fffffff;
    this.goawayCode = payload.readUInt32BE(4);
    // Our stream was not processed: safe to send again (§6.8), as a refused stream.
    if (last < STREAM && this.streamOpen()) throw h2StreamRefused(this.goawayCode);
  }
  private onHeaders(payload: Buffer): void {
    if (this.streamId !== STREAM) throw h2Error(`HEADERS on stream ${this.streamId}`, H2Error.PROTOCOL_ERROR);
    if (!this.streamOpen()) throw h2Error("HEADERS after the stream's end", H2Error.PROTOCOL_ERROR);
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
    if (!endHeaders) return;
    const block = Buffer.concat(this.block);
    this.block = [];
    this.onHeaderBlock(block, this.blockEndStream);
  }
}
