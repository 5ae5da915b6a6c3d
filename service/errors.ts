/** The download service's errors as Connect errors: one mapping from the engine's codes. */
import { Code, ConnectError } from "@connectrpc/connect";
import { DownloadError } from "../client/index.js";

const CODES: Readonly<Record<string, Code>> = {
  "not-found": Code.NotFound,
  "invalid-argument": Code.InvalidArgument,
  "unsafe-name": Code.InvalidArgument,
  "too-large": Code.FailedPrecondition,
  "unknown-size": Code.FailedPrecondition,
  "destination-busy": Code.AlreadyExists,
  "incompatible-peer": Code.FailedPrecondition,
  "permission-denied": Code.FailedPrecondition,
  unauthenticated: Code.FailedPrecondition,
  unimplemented: Code.Unimplemented,
};

/** A ConnectError for anything a queue operation threw (an engine DownloadError keeps its message). */
export function toConnectError(error: unknown): ConnectError {
  if (error instanceof ConnectError) return error;
  if (error instanceof DownloadError) return new ConnectError(error.message, CODES[error.code] ?? Code.Unavailable);
  if (error instanceof RangeError) return new ConnectError(error.message, Code.InvalidArgument);
  return new ConnectError("internal error", Code.Internal, undefined, undefined, error);
}

/** An INVALID_ARGUMENT error. */
export function invalid(message: string): ConnectError {
  return new ConnectError(message, Code.InvalidArgument);
}
