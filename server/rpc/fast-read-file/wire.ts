/**
 * The protocol-specific bits of the ReadFile fast path, encoded with Connect's
 * own protocol helpers so they match the stock handler: which requests qualify,
 * response headers, call timeouts, and the end of a stream (Connect end-stream
 * JSON, gRPC trailers, gRPC-Web trailer frame).
 */
import type { ConnectError } from "@connectrpc/connect";
import {
  endStreamFlag,
  endStreamToJson,
  parseTimeout as parseConnectTimeout,
} from "@connectrpc/connect/protocol-connect";
import { parseTimeout as parseGrpcTimeout, setTrailerStatus } from "@connectrpc/connect/protocol-grpc";
import { trailerFlag, trailerSerialize } from "@connectrpc/connect/protocol-grpc-web";
import type { IncomingHttpHeaders } from "node:http";
import { encodeEnvelope } from "../../../common/wire/envelope.js";

/** Protocols the fast path serves (binary, uncompressed only). */
export type Protocol = "connect" | "grpc" | "grpc-web";

function identity(value: string | string[] | undefined): boolean {
  return value === undefined || value === "identity";
}

/**
 * Which protocol a request speaks, or undefined when the fast path must hand it
 * to the adapter (JSON, compressed, unknown content type, gRPC without HTTP/2).
 */
export function protocolOf(headers: IncomingHttpHeaders, httpVersion: string | undefined): Protocol | undefined {
  const ct = (headers["content-type"] ?? "").toLowerCase();
  if (ct === "application/connect+proto") return identity(headers["connect-content-encoding"]) ? "connect" : undefined;
  if (ct === "application/grpc" || ct === "application/grpc+proto") {
    return identity(headers["grpc-encoding"]) && httpVersion === "2.0" ? "grpc" : undefined;
  }
  if (ct === "application/grpc-web" || ct === "application/grpc-web+proto")
    return identity(headers["grpc-encoding"]) ? "grpc-web" : undefined;
  return undefined;
}

/** Response headers of a streaming answer. */
export function responseHeaders(protocol: Protocol): Record<string, string> {
  return { "content-type": `application/${protocol}+proto` };
}

/** The call's timeout from `connect-timeout-ms` / `grpc-timeout`, or the error the stock handler would answer. */
export function parseCallTimeout(
  protocol: Protocol,
  headers: IncomingHttpHeaders,
): { timeoutMs?: number | undefined; error?: ConnectError | undefined } {
  const raw = protocol === "connect" ? headers["connect-timeout-ms"] : headers["grpc-timeout"];
  const value = Array.isArray(raw) ? (raw[0] ?? null) : (raw ?? null);
  return protocol === "connect"
    ? parseConnectTimeout(value, Number.MAX_SAFE_INTEGER)
    : parseGrpcTimeout(value, Number.MAX_SAFE_INTEGER);
}

/** How a stream ends: a last body frame and/or HTTP trailers. */
export interface StreamEnd {
  readonly body?: Buffer | undefined;
  readonly trailers?: Record<string, string> | undefined;
}

function toRecord(headers: Headers): Record<string, string> {
  const out: Record<string, string> = {};
  headers.forEach((value, key) => {
    out[key] = value;
  });
  return out;
}

/** The end of a stream, OK (`error` undefined) or failed; error metadata (e.g. `retry-after-ms`) goes with it. */
export function encodeEnd(protocol: Protocol, error: ConnectError | undefined): StreamEnd {
  const metadata = new Headers(); // the helpers add error.metadata (e.g. retry-after-ms) themselves
  if (protocol === "connect") {
    return {
      body: encodeEnvelope(endStreamFlag, Buffer.from(JSON.stringify(endStreamToJson(metadata, error, undefined)))),
    };
  }
  const trailer = setTrailerStatus(metadata, error);
  if (protocol === "grpc-web") return { body: encodeEnvelope(trailerFlag, trailerSerialize(trailer)) };
  return { trailers: toRecord(trailer) };
}
