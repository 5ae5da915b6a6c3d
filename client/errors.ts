/**
 * One error model for the SDK: every failure becomes a {@link DownloadError}
 * with a stable code and a decision (retry, fail, pause, restart, cancel),
 * computed in one place by {@link classify} over the cause chain.
 * The transient/permanent table is docs/downloads.md "Retries".
 */
import { Code, ConnectError } from "@connectrpc/connect";
import { MessageTooLargeError } from "../common/wire/limits.js";
import { parseRetryAfter, parseRetryAfterMs } from "./retry/retry-after.js";

/** What the engine does after an error. */
export type ErrorAction = "retry" | "fail" | "pause" | "restart" | "cancel";

/** Stable error codes (stored in the job row's `error_code`). */
export type DownloadErrorCode =
  // transient
  | "unavailable"
  | "network"
  | "deadline-exceeded"
  | "idle-timeout"
  | "aborted"
  | "resource-exhausted"
  | "internal"
  | "short-stream"
  | "protocol"
  | "http-transient"
  | "lease-lost"
  | "bad-pieces"
  // permanent
  | "not-found"
  | "permission-denied"
  | "unauthenticated"
  | "invalid-argument"
  | "out-of-range"
  | "unimplemented"
  | "http-permanent"
  | "unsafe-name"
  | "too-large"
  | "unknown-size"
  | "incompatible-peer"
  | "destination-busy"
  | "changed-too-often"
  | "digest-mismatch-repeated"
  | "retries-exhausted"
  | "deadline"
  | "superseded"
  | "no-key"
  | "sources-banned"
  | "destination-exists"
  | "unsafe-path"
  | "wrong-item"
  | "protocol-violation"
  | "message-too-large"
  // restart from 0
  | "changed"
  | "digest-mismatch"
  // pause
  | "disk-full"
  | "paused-by-user"
  // user cancel / shutdown
  | "cancelled"
  | "shutdown";

const ACTION: Record<DownloadErrorCode, ErrorAction> = {
  unavailable: "retry",
  network: "retry",
  "deadline-exceeded": "retry",
  "idle-timeout": "retry",
  aborted: "retry",
  "resource-exhausted": "retry",
  internal: "retry",
  "short-stream": "retry",
  protocol: "retry",
  "http-transient": "retry",
  "lease-lost": "cancel",
  "bad-pieces": "retry",
  "not-found": "fail",
  "permission-denied": "fail",
  unauthenticated: "fail",
  "invalid-argument": "fail",
  "out-of-range": "fail",
  unimplemented: "fail",
  "http-permanent": "fail",
  "unsafe-name": "fail",
  "too-large": "fail",
  "unknown-size": "fail",
  "incompatible-peer": "fail",
  "destination-busy": "fail",
  "changed-too-often": "fail",
  "digest-mismatch-repeated": "fail",
  "retries-exhausted": "fail",
  deadline: "fail",
  superseded: "fail",
  "no-key": "fail",
  "sources-banned": "fail",
  "destination-exists": "fail",
  "unsafe-path": "fail",
  "wrong-item": "fail",
  "protocol-violation": "fail",
  "message-too-large": "fail",
  changed: "restart",
  "digest-mismatch": "restart",
  "disk-full": "pause",
  "paused-by-user": "pause",
  cancelled: "cancel",
  shutdown: "cancel",
};

/** Options for {@link DownloadError}. */
export interface DownloadErrorOptions {
  /** The underlying error (never shown to users verbatim; kept for logs). */
  cause?: unknown;
  /** A server's retry hint in milliseconds (already parsed, not yet capped). */
  retryAfterMs?: number | undefined;
  /** HTTP status, when the error came from the HTTP route. */
  status?: number | undefined;
}

/** The SDK's only error type. */
export class DownloadError extends Error {
  override readonly name = "DownloadError";
  /** Stable machine-readable code. */
  readonly code: DownloadErrorCode;
  /** What the engine does next. */
  readonly action: ErrorAction;
  /** True when another attempt may succeed. */
  readonly retryable: boolean;
  /** A server's retry hint in milliseconds, if it sent one. */
  readonly retryAfterMs: number | undefined;
  /** HTTP status, when known. */
  readonly status: number | undefined;

  constructor(code: DownloadErrorCode, message: string, options: DownloadErrorOptions = {}) {
    super(message, { cause: options.cause });
    this.code = code;
    this.action = ACTION[code];
    this.retryable = this.action === "retry";
    this.retryAfterMs = options.retryAfterMs;
    this.status = options.status;
  }
}

/** The action the engine takes for a code. */
export function actionOf(code: DownloadErrorCode): ErrorAction {
  return ACTION[code];
}

/** An HTTP response with a status the transfer does not handle itself. */
export class HttpStatusError extends Error {
  override readonly name = "HttpStatusError";
  constructor(
    /** The response status. */
    readonly status: number,
    /** The raw `Retry-After` header, if any. */
    readonly retryAfter: string | undefined,
  ) {
    super(`the peer answered HTTP ${status}`);
  }
}

const NETWORK_ERRNO = new Set([
  "ECONNRESET",
  "ECONNREFUSED",
  "ECONNABORTED",
  "EPIPE",
  "ETIMEDOUT",
  "EHOSTUNREACH",
  "ENETUNREACH",
  "ENETDOWN",
  "EAI_AGAIN",
  "ENOTFOUND",
  "UND_ERR_SOCKET",
  "ERR_STREAM_PREMATURE_CLOSE",
  "ERR_HTTP2_STREAM_ERROR",
  "ERR_HTTP2_SESSION_ERROR",
  "ERR_HTTP2_GOAWAY_SESSION",
  "ERR_HTTP2_INVALID_SESSION",
  "ERR_HTTP2_STREAM_CANCEL",
  "HPE_INVALID_CONSTANT",
]);

const DISK_FULL_ERRNO = new Set(["ENOSPC", "EDQUOT"]);

/** Maps an HTTP status to a code: RFC 9110 §15 and docs/downloads.md "Retries". */
export function codeForHttpStatus(status: number): DownloadErrorCode {
  switch (status) {
    case 408:
    case 429:
    case 500:
    case 502:
    case 503:
    case 504:
      return "http-transient";
    case 412:
      return "changed";
    case 401:
      return "unauthenticated";
    case 403:
      return "permission-denied";
    case 404:
    case 410:
      return "not-found";
    default:
      return status >= 500 ? "http-transient" : "http-permanent";
  }
}

/** Maps a Connect/gRPC code to an engine code (gRPC status-code docs). */
export function codeForConnect(code: Code): DownloadErrorCode {
  switch (code) {
    case Code.Unavailable:
      return "unavailable";
    case Code.DeadlineExceeded:
      return "deadline-exceeded";
    case Code.Aborted:
      return "aborted";
    case Code.ResourceExhausted:
      return "resource-exhausted";
    case Code.Internal:
    case Code.Unknown:
    case Code.DataLoss:
      return "internal";
    case Code.NotFound:
      return "not-found";
    case Code.PermissionDenied:
      return "permission-denied";
    case Code.Unauthenticated:
      return "unauthenticated";
    case Code.InvalidArgument:
      return "invalid-argument";
    case Code.OutOfRange:
      return "out-of-range";
    case Code.Unimplemented:
      return "unimplemented";
    case Code.FailedPrecondition:
      return "changed";
    case Code.Canceled:
      return "cancelled";
    case Code.AlreadyExists:
      return "invalid-argument";
  }
}

function errnoOf(err: unknown): string | undefined {
  if (typeof err === "object" && err !== null && "code" in err) {
    const code = (err as { code: unknown }).code;
    if (typeof code === "string") return code;
  }
  return undefined;
}

/** connect-es's own refusal of a message above the transport's `readMaxBytes` (raised in this process). */
const READ_MAX_BYTES_MESSAGE = /^message size (?:(\d+) )?is larger than configured readMaxBytes (\d+)$/;

/** The {@link MessageTooLargeError} a stock transport's `readMaxBytes` refusal stands for, if it is one. */
function readMaxBytesExceeded(e: ConnectError): MessageTooLargeError | undefined {
  const m = e.code === Code.ResourceExhausted ? READ_MAX_BYTES_MESSAGE.exec(e.rawMessage) : null;
  return m === null ? undefined : new MessageTooLargeError(m[1] === undefined ? undefined : Number(m[1]), Number(m[2]));
}

/**
 * Classifies anything thrown into a {@link DownloadError}, walking the cause
 * chain: the first link that says something definite wins (a DownloadError, a
 * disk-full errno, an HTTP status, a network errno), then a ConnectError's code.
 * @param nowMs clock for HTTP-date `Retry-After` values
 */
export function classify(err: unknown, nowMs: number = Date.now()): DownloadError {
  let connect: ConnectError | undefined;
  const seen = new Set<unknown>();
  for (let e: unknown = err; e !== undefined && e !== null && !seen.has(e); ) {
    seen.add(e);
    if (e instanceof DownloadError) return e;
    const errno = errnoOf(e);
    if (errno !== undefined && DISK_FULL_ERRNO.has(errno)) {
      return new DownloadError("disk-full", `the disk is full (${errno}); free space, then retry`, { cause: err });
    }
    if (e instanceof MessageTooLargeError) return new DownloadError("message-too-large", e.message, { cause: err });
    const oversized = e instanceof ConnectError ? readMaxBytesExceeded(e) : undefined;
    if (oversized !== undefined) return new DownloadError("message-too-large", oversized.message, { cause: err });
    if (e instanceof HttpStatusError) {
      const code = codeForHttpStatus(e.status);
      return new DownloadError(code, `the peer answered HTTP ${e.status}`, {
        cause: err,
        status: e.status,
        retryAfterMs: e.retryAfter === undefined ? undefined : parseRetryAfter(e.retryAfter, nowMs),
      });
    }
    if (errno !== undefined && NETWORK_ERRNO.has(errno)) {
      return new DownloadError("network", `network error (${errno})`, { cause: err });
    }
    if (connect === undefined && e instanceof ConnectError) connect = e;
    e = e instanceof Error ? e.cause : undefined;
  }
  if (connect !== undefined) {
    const code = codeForConnect(connect.code);
    const hint = connect.metadata.get("retry-after-ms");
    return new DownloadError(code, `the peer answered ${Code[connect.code]}: ${connect.rawMessage}`, {
      cause: err,
      retryAfterMs: hint === null ? undefined : parseRetryAfterMs(hint),
    });
  }
  if (err instanceof Error && err.name === "AbortError") {
    return new DownloadError("cancelled", "the download was cancelled", { cause: err });
  }
  return new DownloadError("internal", `unexpected error: ${err instanceof Error ? err.message : String(err)}`, {
    cause: err,
  });
}
