/**
 * The errors of the raw HTTP/2 reader, made so the engine classifies them as it classifies
 * Node's HTTP/2 faults today (fast-read/node-errors.ts): a protocol violation by the peer is
 * an Error that connectErrorFromNode turns into Internal, as Node's session errors are; a
 * stream reset is the ConnectError of its code (gRPC's HTTP/2 mapping); a stream the peer
 * refused (GOAWAY before it) is Unavailable; a connection closed early is ECONNRESET (Aborted).
 */
import { Code, ConnectError } from "@connectrpc/connect";
import { connectErrorFromH2ResetCode } from "../fast-read/node-errors.js";

/** An error with the HTTP/2 code we send the peer for it (undefined: nothing to send). */
export type H2Failure = Error & { readonly h2Code: number | undefined };

/** A violation of RFC 9113 by the peer (or our refusal of its sizes); `h2Code` goes back to it in a GOAWAY or RST_STREAM. */
export function h2Error(message: string, h2Code: number): H2Failure {
  return Object.assign(new Error(`http/2: ${message}`), { code: "ERR_HTTP2_PEER_ERROR", h2Code });
}

/** The peer reset our stream with `code` before its end. */
export function h2ResetError(code: number): H2Failure {
  const mapped = connectErrorFromH2ResetCode(code);
  const error =
    mapped ??
    Object.assign(new Error(`the peer reset the stream (code 0x${code.toString(16)}) before its end`), {
      code: "ECONNRESET",
    });
  return Object.assign(error, { h2Code: undefined });
}

/** The peer went away before taking our stream (GOAWAY with a lower last stream id): safe to send again. */
export function h2StreamRefused(goawayCode: number): H2Failure {
  const error = new ConnectError(
    `the peer closed the connection before taking the stream (GOAWAY 0x${goawayCode.toString(16)})`,
    Code.Unavailable,
  );
  return Object.assign(error, { h2Code: undefined });
}
