/**
 * The one builder of the per-call log line (method, item, bytes, duration,
 * code, key id — never the key), shared by the Connect interceptor and the
 * ReadFile fast path so the two cannot drift.
 */
import { Code, type ConnectError } from "@connectrpc/connect";
import type { Logger } from "pino";
import { codeName } from "../errors.js";

/** What a call did so far; handlers fill it while the call runs. */
export interface CallLogStats {
  /** The item the call was about, if any. */
  itemId?: string | undefined;
  /** Payload bytes sent (file data only). */
  bytes: number;
}

/** Options of {@link createCallLog}. */
export interface CallLogOptions {
  /** Where the line goes. */
  readonly logger: Logger;
  /** `package.Service/Method`. */
  readonly method: string;
  /** Read when the line is written. */
  readonly stats: CallLogStats;
  /** The caller's key id, read when the line is written (undefined before authentication). */
  readonly keyId: () => string | undefined;
  /** When the call started (`performance.now()`); default: now. */
  readonly started?: number;
}

/** Writes the call's line; only the first call writes (later ones are ignored). */
export type CallLog = (code: Code | "ok", error?: ConnectError) => void;

/**
 * Creates the call's log function. INTERNAL, UNKNOWN and DATA_LOSS are logged at error level with the
 * cause (a server bug or a broken disk); everything else at info level with the message sent to the client.
 */
export function createCallLog(options: CallLogOptions): CallLog {
  const { logger, method, stats } = options;
  const started = options.started ?? performance.now();
  let logged = false;
  return (code, error) => {
    if (logged) return;
    logged = true;
    const line = {
      method,
      item: stats.itemId,
      bytes: stats.bytes,
      durationMs: Math.round((performance.now() - started) * 10) / 10,
      code: code === "ok" ? "ok" : codeName(code),
      keyId: options.keyId(),
    };
    if (code === Code.Internal || code === Code.Unknown || code === Code.DataLoss) {
      logger.error({ ...line, err: error?.cause ?? error }, "call failed");
    } else {
      logger.info(error ? { ...line, reason: error.rawMessage } : line, "call");
    }
  };
}
