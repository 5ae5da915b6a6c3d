/**
 * Turns a response body stream into an async iterator of decoded ReadFile
 * messages with one queue: 'data' events feed the decoder, decoded messages
 * wait in a queue, and the socket is paused while more than
 * {@link PUMP_HIGH_WATER_BYTES} wait (resumed below a quarter of it), so a
 * slow writer holds a bounded amount of memory. No promise per network buffer,
 * only one per message a consumer waits for.
 */
import type { Readable } from "node:stream";
import { Code, ConnectError } from "@connectrpc/connect";
import type { ResponseDecoder } from "./response-decoder.js";
import type { ReadFileFields } from "../../../common/wire/read-file-decode.js";
import { MessageQueue } from "./message-queue.js";
import { pumpFlow } from "./pump-flow.js";

/** Decoded bytes queued before the socket is paused (4 MiB: four 1 MiB messages). */
export const PUMP_HIGH_WATER_BYTES = 4 * 1024 * 1024;

/**
 * The high water mark of an HTTP/2 stream's pump (1 MiB: one message). Each queued byte holds a
 * socket-read buffer Node allocated for it, and one held across two scavenges moves to the old
 * generation, freed only by a mark-compact: a 1 GiB ReadFile over gRPC peaked at 125 MiB RSS with
 * 1 MiB against 133–139 with 4 MiB (docs/performance.md "HTTP/2"). The stream window (4 MiB) still
 * covers the link while the stream is paused.
 */
export const H2_PUMP_HIGH_WATER_BYTES = 1024 * 1024;

/** What the pump needs besides the stream. */
export interface PumpOptions {
  /** The trailers once the body ended (HTTP/2), or empty headers (HTTP/1.1). */
  trailers(): Headers;
  /** Maps a stream error to the call's error. */
  mapError(error: unknown): Error;
  /** The error a 'close' without 'end' means, if any (e.g. an HTTP/2 reset code). */
  closeError(): Error | undefined;
  /**
   * Finish on 'close' rather than 'end': an HTTP/2 stream whose connection was cut
   * ends its body and then closes with a reset code, which must win (as in the stock client).
   * @default false
   */
  finishOnClose?: boolean | undefined;
  /** Called on every body buffer with its length (HTTP/2 keep-alive bookkeeping). */
  onData?: ((bytes: number) => void) | undefined;
  /** Decoded bytes queued before the stream is paused (resumed below a quarter). @default PUMP_HIGH_WATER_BYTES */
  highWaterBytes?: number | undefined;
  /** Aborts the call. */
  signal: AbortSignal;
  /** Ends the underlying request (destroy the stream or reset it). */
  destroy(): void;
}

/** Pumps `stream` through `decoder`. */
export function pumpMessages(
  stream: Readable,
  decoder: ResponseDecoder,
  options: PumpOptions,
): AsyncIterator<ReadFileFields> {
  const pump = new MessagePump(stream, decoder, options);
  pump.listen();
  return {
    next: () => pump.next(),
    return: () => pump.close(),
  };
}

/** The reader's pending next(), settled by the next message, the failure or the end. */
interface Waiter {
  resolve(result: IteratorResult<ReadFileFields>): void;
  reject(error: Error): void;
}

/**
 * One pump: the stream's event handlers feed the queue, the iterator methods drain it, and the
 * queue's size decides whether the stream flows ({@link pumpFlow}). Settled once: ended or failed.
 */
class MessagePump {
  private readonly queue = new MessageQueue();
  private readonly highWater: number;
  private failure: Error | undefined;
  private ended = false;
  private bodyEnded = false;
  private waiter: Waiter | undefined;

  constructor(
    private readonly stream: Readable,
    private readonly decoder: ResponseDecoder,
    private readonly options: PumpOptions,
  ) {
    this.highWater = options.highWaterBytes ?? PUMP_HIGH_WATER_BYTES;
  }

  /** Whether the pump still reads: it neither failed nor ended. */
  private get open(): boolean {
    return this.failure === undefined && !this.ended;
  }

  /** Starts following the stream and the abort signal. */
  listen(): void {
    this.stream.on("data", this.onData);
    this.stream.on("end", this.onEnd);
    this.stream.on("error", this.onError);
    this.stream.on("close", this.onClose);
    if (this.options.signal.aborted) this.onAbort();
    else this.options.signal.addEventListener("abort", this.onAbort, { once: true });
  }

  /** The iterator's next(): a queued message, the failure, the end, or a promise of one of them. */
  next(): Promise<IteratorResult<ReadFileFields>> {
    if (this.queue.waiting) return Promise.resolve({ done: false, value: this.take() });
    if (this.failure !== undefined) return Promise.reject(this.failure);
    if (this.ended) return Promise.resolve({ done: true, value: undefined });
    if (this.waiter !== undefined)
      return Promise.reject(new Error("ReadFile pump: next() called while a call is pending"));
    return new Promise((resolve, reject) => {
      this.waiter = { resolve, reject };
    });
  }

  /** The iterator's return(): the reader stops early, so the request ends and the queue is dropped. */
  async close(): Promise<IteratorResult<ReadFileFields>> {
    if (this.open) this.stop(new ConnectError("the ReadFile stream was closed by the reader", Code.Canceled));
    this.queue.clear();
    return { done: true, value: undefined };
  }

  private readonly onData = (buffer: Buffer): void => {
    this.options.onData?.(buffer.length);
    let decoded: ReadFileFields[];
    try {
      decoded = this.decoder.push(buffer);
    } catch (error) {
      this.fail(asError(error));
      return;
    }
    for (const fields of decoded) this.queue.push(fields);
    this.flow("queued");
    this.settle();
  };

  private readonly onEnd = (): void => {
    this.bodyEnded = true;
    if (this.options.finishOnClose !== true) this.finish();
  };

  private readonly onError = (error: unknown): void => this.fail(this.options.mapError(error));

  private readonly onClose = (): void => {
    if (!this.open) return;
    const error = this.options.closeError();
    if (error !== undefined) this.fail(error);
    else if (this.bodyEnded) this.finish();
    else this.fail(new ConnectError("the peer closed the ReadFile stream before its end", Code.Aborted));
  };

  private readonly onAbort = (): void => this.fail(ConnectError.from(this.options.signal.reason, Code.Canceled));

  /** Takes the head message, resuming the stream if the queue fell low enough. */
  private take(): ReadFileFields {
    const fields = this.queue.take();
    this.flow("taken");
    return fields;
  }

  /** Pauses or resumes the stream as {@link pumpFlow} decides after `change`. */
  private flow(change: "queued" | "taken"): void {
    const decision = pumpFlow({
      change,
      queuedBytes: this.queue.bytes,
      highWaterBytes: this.highWater,
      paused: this.stream.isPaused(),
      open: this.open,
    });
    if (decision === "pause") this.stream.pause();
    else if (decision === "resume") this.stream.resume();
  }

  /** Hands the waiting reader what is there: a message, then the failure, then the end. */
  private settle(): void {
    const w = this.waiter;
    if (w === undefined) return;
    if (this.queue.waiting) {
      this.waiter = undefined;
      w.resolve({ done: false, value: this.take() });
    } else if (this.failure !== undefined) {
      this.waiter = undefined;
      w.reject(this.failure);
    } else if (this.ended) {
      this.waiter = undefined;
      w.resolve({ done: true, value: undefined });
    }
  }

  /** The body is complete: the decoder checks the trailers (or end-stream message) and the pump ends. */
  private finish(): void {
    if (!this.open) return;
    try {
      this.decoder.finish(this.options.trailers());
      this.ended = true;
      this.cleanup();
    } catch (error) {
      this.fail(asError(error));
      return;
    }
    this.settle();
  }

  /** The first failure wins; later ones, and any after the end, are dropped. */
  private fail(error: Error): void {
    if (!this.open) return;
    this.stop(error);
  }

  /** Records the failure, stops listening, ends the request and tells a waiting reader. */
  private stop(error: Error): void {
    this.failure = error;
    this.cleanup();
    this.options.destroy();
    this.settle();
  }

  private cleanup(): void {
    this.stream.off("data", this.onData);
    this.stream.off("end", this.onEnd);
    this.stream.off("error", this.onError);
    this.stream.off("close", this.onClose);
    this.options.signal.removeEventListener("abort", this.onAbort);
    // A late error after cleanup must not become an uncaught exception.
    this.stream.on("error", () => undefined);
  }
}

function asError(error: unknown): Error {
  return error instanceof Error ? error : new Error(String(error));
}
