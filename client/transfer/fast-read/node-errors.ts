/**
 * Node network errors and HTTP/2 reset codes as ConnectErrors, with the codes
 * connect-node gives them (its node-error.ts, not exported), so the engine
 * classifies a failed fast read exactly as a failed stock read
 * (connect-notes: ECONNRESET → Aborted; ECONNREFUSED, ETIMEDOUT, DNS → Unavailable).
 */
import { Code, ConnectError } from "@connectrpc/connect";

function errorCodes(reason: unknown): string[] {
  const codes: string[] = [];
  const seen = new Set<unknown>();
  for (let e: unknown = reason; e instanceof Error && !seen.has(e); e = e.cause) {
    seen.add(e);
    const code = (e as { code?: unknown }).code;
    if (typeof code === "string") codes.push(code);
  }
  return codes;
}

/** A ConnectError for a Node error (the original stays as `cause`). */
export function connectErrorFromNode(reason: unknown): ConnectError {
  if (reason instanceof ConnectError) return reason;
  const codes = errorCodes(reason);
  let code = Code.Internal;
  if (codes.includes("ERR_STREAM_WRITE_AFTER_END")) code = Code.Aborted;
  else if (codes.some((c) => c === "ERR_STREAM_DESTROYED" || c === "ERR_HTTP2_INVALID_STREAM" || c === "ECONNRESET"))
    code = Code.Aborted;
  else if (codes.some((c) => c === "ETIMEDOUT" || c === "ENOTFOUND" || c === "EAI_AGAIN" || c === "ECONNREFUSED"))
    code = Code.Unavailable;
  const error = ConnectError.from(reason, code);
  if (error !== reason) error.cause = reason;
  return error;
}

const H2_NAMES: Record<number, string> = {
  1: "PROTOCOL_ERROR",
  2: "INTERNAL_ERROR",
  3: "FLOW_CONTROL_ERROR",
  4: "SETTINGS_TIMEOUT",
  6: "FRAME_SIZE_ERROR",
  7: "REFUSED_STREAM",
  8: "CANCEL",
  9: "COMPRESSION_ERROR",
  10: "CONNECT_ERROR",
  11: "ENHANCE_YOUR_CALM",
  12: "INADEQUATE_SECURITY",
  13: "HTTP_1_1_REQUIRED",
};

const H2_CODES: Record<number, Code> = {
  1: Code.Internal,
  2: Code.Internal,
  3: Code.Internal,
  4: Code.Internal,
  6: Code.Internal,
  7: Code.Unavailable,
  8: Code.Canceled,
  9: Code.Internal,
  10: Code.Internal,
  11: Code.ResourceExhausted,
  12: Code.PermissionDenied,
  13: Code.PermissionDenied,
};

/** The error of an HTTP/2 stream closed with `rstCode`; undefined for NO_ERROR and STREAM_CLOSED (gRPC's HTTP/2 mapping). */
export function connectErrorFromH2ResetCode(rstCode: number | undefined): ConnectError | undefined {
  if (rstCode === undefined) return undefined;
  const code = H2_CODES[rstCode];
  if (code === undefined) return undefined;
  return new ConnectError(
    `http/2 stream closed with error code ${H2_NAMES[rstCode]} (0x${rstCode.toString(16)})`,
    code,
  );
}
