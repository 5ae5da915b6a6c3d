/**
 * Decoded ReadFile messages from a body whose chunks are views of one reused read buffer
 * (raw-http/raw-request.ts). Pull-based: the next body chunk is asked for only once every
 * message decoded from the previous one was taken, and a taker copies a message's data
 * before asking for the next message, so no view is overwritten while held. The decoder
 * must be made `transient` (it copies a payload cut at the end of a chunk), unless the body's
 * chunks stay valid until their message is whole (raw-request's `holdBytes`).
 */
import { Code, ConnectError } from "@connectrpc/connect";
import { connectErrorFromNode } from "./node-errors.js";
import type { ReadFileFields } from "../../../common/wire/read-file-decode.js";
import type { ResponseDecoder } from "./response-decoder.js";

/** What the pump needs besides the body. */
export interface TransientPumpOptions {
  /** Aborts the call. */
  readonly signal: AbortSignal;
  /** Closes the connection. */
  destroy(): void;
  /** The trailers once the body ended (HTTP/2). @default none: an empty list (HTTP/1.1) */
  readonly trailers?: (() => Headers) | undefined;
}

/** Pumps `body` through `decoder` (HTTP/1.1 has no trailers; Connect ends with its end-stream message). */
export function pumpTransient(
  body: AsyncIterator<Uint8Array>,
  decoder: ResponseDecoder,
  options: TransientPumpOptions,
): AsyncIterator<ReadFileFields> {
  let queue: ReadFileFields[] = [];
  let at = 0;
  let ended = false;
  let failure: Error | undefined;

  const fail = (error: unknown, mapped: Error): Error => {
    failure = options.signal.aborted ? ConnectError.from(options.signal.reason, Code.Canceled) : mapped;
    if (failure !== error && failure.cause === undefined) failure.cause = error;
    options.destroy();
    return failure;
  };

  return {
    async next() {
      for (;;) {
        const queued = queue[at];
        if (queued !== undefined) {
          queue[at++] = undefined as unknown as ReadFileFields;
          return { done: false, value: queued };
        }
        if (failure !== undefined) throw failure;
        if (ended) return { done: true, value: undefined };
        let r: IteratorResult<Uint8Array>;
        try {
          r = await body.next();
        } catch (error) {
          throw fail(error, connectErrorFromNode(error));
        }
        try {
          if (r.done === true) {
            decoder.finish(options.trailers?.() ?? new Headers());
            ended = true;
            continue;
          }
          queue = decoder.push(r.value);
          at = 0;
        } catch (error) {
          throw fail(error, error instanceof Error ? error : new Error(String(error)));
        }
      }
    },
    async return() {
      if (!ended && failure === undefined) {
        failure = new ConnectError("the ReadFile stream was closed by the reader", Code.Canceled);
        options.destroy();
      }
      queue = [];
      at = 0;
      return { done: true, value: undefined };
    },
  };
}
