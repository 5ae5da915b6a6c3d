/**
 * Decodes a ReadFile response (status, headers, body buffers, trailers) into
 * ReadFileResponse fields for Connect or gRPC, with the errors the stock
 * connect-es client raises at each step: the same response validation,
 * end-stream and trailer helpers from `@connectrpc/connect/protocol-*`, so a
 * server error reaches the engine with the same code, message and metadata
 * (e.g. `retry-after-ms`). Pure: the I/O is in read-file-call.ts.
 */
import { Code, ConnectError } from "@connectrpc/connect";
import {
  createEndStreamSerialization,
  endStreamFlag,
  validateResponseWithCompression as validateConnectResponse,
} from "@connectrpc/connect/protocol-connect";
import {
  validateResponseWithCompression as validateGrpcResponse,
  validateTrailer,
} from "@connectrpc/connect/protocol-grpc";
import {
  COMPRESSED_FLAG,
  createEnvelopeSplitter,
  type Envelope,
  type EnvelopeSplitter,
} from "../../../common/wire/envelope.js";
import { readFileFields, type ReadFileFields } from "../../../common/wire/read-file-decode.js";

/** The protocols of the fast read path (binary, uncompressed). */
export type FastReadProtocol = "connect" | "grpc";

/** Decodes one response body. */
export interface ResponseDecoder {
  /** Feeds a body buffer; returns the messages it completed. Throws the call's ConnectError. */
  push(buffer: Uint8Array): ReadFileFields[];
  /** The body ended; `trailers` are the HTTP trailers (empty for HTTP/1.1). Throws when the stream ended badly. */
  finish(trailers: Headers): void;
}

const endStreamSerialization = createEndStreamSerialization(undefined);

function refuseCompressed(envelope: Envelope): void {
  if ((envelope.flags & COMPRESSED_FLAG) === COMPRESSED_FLAG) {
    // The client asks for no compression (connect-notes: it made file bytes 5–10× slower); the stock client
    // raises the same code and text for an envelope it cannot decompress.
    throw new ConnectError(
      "received compressed envelope, but do not know how to decompress (this client asks the peer for uncompressed ReadFile streams)",
      Code.Internal,
    );
  }
}

function joined(parts: readonly Uint8Array[], length: number): Uint8Array {
  if (parts.length === 1) return parts[0] as Uint8Array;
  const out = new Uint8Array(length);
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/**
 * Validates the response head and returns a body decoder; throws the ConnectError
 * the stock client throws for a bad head (HTTP error status, wrong content type,
 * a compressed encoding, a gRPC error in the headers).
 * @param readMaxBytes largest message accepted; a larger one is refused from its prefix with a
 *   MessageTooLargeError, before anything is allocated. @default MAX_READ_FILE_MESSAGE_BYTES (2 MiB + 80 KiB)
 * @param transient pushed buffers are reused once the messages of a push were consumed. @default false
 */
export function createResponseDecoder(
  protocol: FastReadProtocol,
  status: number,
  headers: Headers,
  readMaxBytes?: number,
  transient = false,
): ResponseDecoder {
  return protocol === "connect"
    ? connectDecoder(status, headers, createEnvelopeSplitter(readMaxBytes, transient))
    : grpcDecoder(status, headers, createEnvelopeSplitter(readMaxBytes, transient));
}

function connectDecoder(status: number, headers: Headers, splitter: EnvelopeSplitter): ResponseDecoder {
  validateConnectResponse("server_streaming", [], true, status, headers);
  let ended = false;
  return {
    push(buffer) {
      const out: ReadFileFields[] = [];
      for (const envelope of splitter.push(buffer)) {
        refuseCompressed(envelope);
        if ((envelope.flags & endStreamFlag) === endStreamFlag) {
          if (ended) throw new ConnectError("protocol error: received extra EndStreamResponse", Code.InvalidArgument);
          ended = true;
          const end = endStreamSerialization.parse(joined(envelope.parts, envelope.length));
          if (end.error !== undefined) {
            const error = end.error;
            headers.forEach((value, key) => {
              error.metadata.append(key, value);
            });
            throw error;
          }
          continue;
        }
        if (ended)
          throw new ConnectError(
            "protocol error: received extra message after EndStreamResponse",
            Code.InvalidArgument,
          );
        out.push(readFileFields(envelope.parts));
      }
      return out;
    },
    finish() {
      splitter.end();
      if (!ended) throw new ConnectError("protocol error: missing EndStreamResponse", Code.InvalidArgument);
    },
  };
}

function grpcDecoder(status: number, headers: Headers, splitter: EnvelopeSplitter): ResponseDecoder {
  const { foundStatus, headerError } = validateGrpcResponse([], status, headers);
  if (headerError !== undefined) throw headerError;
  return {
    push(buffer) {
      const out: ReadFileFields[] = [];
      for (const envelope of splitter.push(buffer)) {
        refuseCompressed(envelope);
        out.push(readFileFields(envelope.parts));
      }
      return out;
    },
    finish(trailers) {
      splitter.end();
      // A trailers-only response carried its status in the headers (checked above).
      if (!foundStatus) validateTrailer(trailers, headers);
    },
  };
}
