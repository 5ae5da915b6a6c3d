/**
 * `grpc-message` as the gRPC spec writes it (PROTOCOL-HTTP2.md, "Status-Message"): percent-encode only the
 * bytes of the UTF-8 message outside %x20-%x7E, and "%" itself. Connect-ES's setTrailerStatus
 * (protocol-grpc/trailer-status.js) uses encodeURIComponent, which also encodes ",", ":", "/", "?", "&"…;
 * grpc-js decodes with decodeURI, which leaves those escapes in place, so its users read
 * `unknown%2C expired or revoked`. Connect clients decode with decodeURIComponent and read both forms alike.
 * The fix sits where the trailer leaves the process (the Node response), so the stock handlers and the
 * ReadFile fast path both get it; gRPC-Web carries its trailers in the body and is left as Connect-ES writes it.
 */
import type { OutgoingHttpHeaders } from "node:http";

/** The `grpc-message` header/trailer name. */
export const GRPC_MESSAGE = "grpc-message";

/** Percent-encodes `message` as the gRPC spec says (space, comma and every other printable ASCII byte as is). */
export function encodeGrpcMessage(message: string): string {
  let out = "";
  for (const byte of Buffer.from(message, "utf8")) {
    out += byte >= 0x20 && byte <= 0x7e && byte !== 0x25 ? String.fromCharCode(byte) : `%${hex(byte)}`;
  }
  return out;
}

/** Re-encodes a value Connect-ES wrote with encodeURIComponent; a value that does not decode is left as is. */
export function reencodeGrpcMessage(value: string): string {
  let message: string;
  try {
    message = decodeURIComponent(value);
  } catch {
    return value;
  }
  return encodeGrpcMessage(message);
}

/** Whether a request speaks gRPC over HTTP/2 (not gRPC-Web, whose trailers are in the body). */
export function isGrpcRequest(contentType: string | undefined): boolean {
  const type = (contentType ?? "").toLowerCase();
  return type.startsWith("application/grpc") && !type.startsWith("application/grpc-web");
}

/** The part of a Node response (HTTP/2 compat or HTTP/1.1) whose trailers are rewritten. */
export interface TrailerWriter {
  addTrailers(headers: OutgoingHttpHeaders): void;
}

/**
 * Makes `res` write `grpc-message` the spec's way: wraps its `addTrailers` (where connect-node and the fast
 * path write the status of a gRPC call). Call it only for gRPC requests ({@link isGrpcRequest}).
 */
export function specGrpcMessages(res: TrailerWriter): void {
  const addTrailers = res.addTrailers.bind(res);
  res.addTrailers = (headers) => {
    const value = headers[GRPC_MESSAGE];
    addTrailers(typeof value === "string" ? { ...headers, [GRPC_MESSAGE]: reencodeGrpcMessage(value) } : headers);
  };
}

function hex(byte: number): string {
  return byte.toString(16).toUpperCase().padStart(2, "0");
}
