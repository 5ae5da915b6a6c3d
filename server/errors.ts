/**
 * The server's one error model: domain errors → Connect Code, and Code →
 * HTTP status (for the HTTP route and JSON fallbacks). Messages sent to
 * clients are generic; the cause stays on the ConnectError for logs.
 */
import { Code, ConnectError } from "@connectrpc/connect";
import { FileChangedError } from "../common/files/file-reader.js";
import { InvalidPageTokenError } from "./catalog/page-token.js";
import { UnknownFolderError } from "./catalog/catalog.js";

/** Trailer (gRPC) / header (Connect unary, HTTP) carrying the suggested retry delay in ms. */
export const RETRY_AFTER_MS_HEADER = "retry-after-ms";

/** Builds the ConnectError the server throws; the one place messages and codes meet. */
export function fail(
  code: Code,
  message: string,
  options: { cause?: unknown; metadata?: Record<string, string> } = {},
): ConnectError {
  return new ConnectError(message, code, options.metadata, undefined, options.cause);
}

/** The item is unknown or its id escapes its share: same answer for both. */
export function notFound(itemId: string): ConnectError {
  return fail(Code.NotFound, `item ${JSON.stringify(itemId.slice(0, 200))} not found`);
}

/** Too many concurrent streams; carries the retry hint. */
export function resourceExhausted(retryAfterMs: number, scope: "key" | "server"): ConnectError {
  const who = scope === "key" ? "this key" : "the server";
  return fail(Code.ResourceExhausted, `too many concurrent reads for ${who}; retry after ${retryAfterMs} ms`, {
    metadata: { [RETRY_AFTER_MS_HEADER]: String(retryAfterMs) },
  });
}

/**
 * Maps anything thrown below a handler to a ConnectError: ConnectErrors pass
 * through, known domain errors get their code, everything else becomes
 * INTERNAL with a generic message (the original kept as cause, for the log).
 */
export function toConnectError(error: unknown): ConnectError {
  if (error instanceof ConnectError) return error;
  if (error instanceof FileChangedError) {
    return fail(Code.Aborted, "the file changed or was removed during the read; restart from offset 0", {
      cause: error,
    });
  }
  if (error instanceof InvalidPageTokenError) return fail(Code.InvalidArgument, error.message, { cause: error });
  if (error instanceof UnknownFolderError) return fail(Code.NotFound, error.message, { cause: error });
  if (error instanceof Error && error.name === "AbortError") {
    return fail(Code.Canceled, "the call was canceled", { cause: error });
  }
  return fail(Code.Internal, "internal error; see the server log", { cause: error });
}

/** Code → HTTP status, as the Connect protocol maps them (connect-es http-status.ts). */
const HTTP_STATUS: Readonly<Record<Code, number>> = Object.freeze({
  [Code.Canceled]: 499,
  [Code.Unknown]: 500,
  [Code.InvalidArgument]: 400,
  [Code.DeadlineExceeded]: 504,
  [Code.NotFound]: 404,
  [Code.AlreadyExists]: 409,
  [Code.PermissionDenied]: 403,
  [Code.ResourceExhausted]: 429,
  [Code.FailedPrecondition]: 412,
  [Code.Aborted]: 409,
  [Code.OutOfRange]: 416,
  [Code.Unimplemented]: 501,
  [Code.Internal]: 500,
  [Code.Unavailable]: 503,
  [Code.DataLoss]: 500,
  [Code.Unauthenticated]: 401,
});

/**
 * HTTP status for a Code on the plain HTTP route. Differs from Connect's own
 * table where RFC 9110 has the precise status: 412 for a failed precondition
 * (§15.5.13) and 416 for an unsatisfiable range (§15.5.17).
 */
export function httpStatusFor(code: Code): number {
  return HTTP_STATUS[code] ?? 500;
}

/** Lower-snake name of a code for logs and JSON bodies, e.g. "not_found". */
export function codeName(code: Code): string {
  return Code[code].replace(/[A-Z]/g, (c, i: number) => (i === 0 ? c.toLowerCase() : "_" + c.toLowerCase()));
}
