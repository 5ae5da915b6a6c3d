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

function sizeOf(fields: ReadFileFields): number {
  let n = 0;
  for (const d of fields.data) n += d.length;
  return n;
}

/** Pumps `stream` through `decoder`. */
export function pumpMessages(
  stream: Readable,
  decoder: ResponseDecoder,
  options: PumpOptions,
): AsyncIterator<ReadFileFields> {
  const highWater = options.highWaterBytes ?? PUMP_HIGH_WATER_BYTES;
  const queue: ReadFileFields[] = [];
  let head = 0;
  let queuedBytes = 0;
  let failure: Error | undefined;
  let ended = false;
  let bodyEnded = false;
  let waiter: { resolve: (r: IteratorResult<ReadFileFields>) => void; reject: (e: Error) => void } | undefined;

  const settle = (): void => {
    const w = waiter;
    if (w === undefined) return;
    if (head < queue.length) {
      waiter = undefined;
      w.resolve({ done: false, value: take() });
    } else if (failure !== undefined) {
      waiter = undefined;
      w.reject(failure);
    } else if (ended) {
      waiter = undefined;
      w.resolve({ done: true, value: undefined });
    }
  };
  const fail = (error: Error): void => {
    if (failure !== undefined || ended) return;
    failure = error;
    cleanup();
    options.destroy();
    settle();
  };
  const take = (): ReadFileFields => {
    const fields = queue[head] as ReadFileFields;
    queue[head++] = undefined as unknown as ReadFileFields;
    if (head > 64 && head * 2 > queue.length) {
      queue.splice(0, head);
      head = 0;
    }
    queuedBytes -= sizeOf(fields);
    if (queuedBytes < highWater / 4 && stream.isPaused() && failure === undefined && !ended) stream.resume();
    return fields;
  };
  const onData = (buffer: Buffer): void => {
    options.onData?.(buffer.length);
    let decoded: ReadFileFields[];
    try {
      decoded = decoder.push(buffer);
    } catch (error) {
      fail(error instanceof Error ? error : new Error(String(error)));
      return;
    }
    for (const fields of decoded) {
      queue.push(fields);
      queuedBytes += sizeOf(fields);
    }
    if (queuedBytes > highWater) stream.pause();
    settle();
  };
  const finish = (): void => {
    if (failure !== undefined || ended) return;
    try {
      decoder.finish(options.trailers());
      ended = true;
      cleanup();
    } catch (error) {
      fail(error instanceof Error ? error : new Error(String(error)));
      return;
    }
    settle();
  };
  const onEnd = (): void => {
    bodyEnded = true;
    if (options.finishOnClose !== true) finish();
  };
  const onError = (error: unknown): void => fail(options.mapError(error));
  const onClose = (): void => {
    if (ended || failure !== undefined) return;
    const error = options.closeError();
    if (error !== undefined) fail(error);
    else if (bodyEnded) finish();
    else fail(new ConnectError("the peer closed the ReadFile stream before its end", Code.Aborted));
  };
  const onAbort = (): void => fail(ConnectError.from(options.signal.reason, Code.Canceled));
  const cleanup = (): void => {
    stream.off("data", onData);
    stream.off("end", onEnd);
    stream.off("error", onError);
    stream.off("close", onClose);
    options.signal.removeEventListener("abort", onAbort);
    // A late error after cleanup must not become an uncaught exception.
    stream.on("error", () => undefined);
  };

  stream.on("data", onData);
  stream.on("end", onEnd);
  stream.on("error", onError);
  stream.on("close", onClose);
  if (options.signal.aborted) onAbort();
  else options.signal.addEventListener("abort", onAbort, { once: true });

  return {
    next() {
      if (head < queue.length) return Promise.resolve({ done: false, value: take() });
      if (failure !== undefined) return Promise.reject(failure);
      if (ended) return Promise.resolve({ done: true, value: undefined });
      if (waiter !== undefined)
        return Promise.reject(new Error("ReadFile pump: next() called while a call is pending"));
      return new Promise((resolve, reject) => {
        waiter = { resolve, reject };
      });
    },
    async return() {
      if (!ended && failure === undefined) {
        failure = new ConnectError("the ReadFile stream was closed by the reader", Code.Canceled);
        cleanup();
        options.destroy();
        settle();
      }
      queue.length = 0;
      head = 0;
      return { done: true, value: undefined };
    },
  };
}
