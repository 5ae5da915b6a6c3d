/**
 * One structured log line per call (built by call-log-line.ts, shared with
 * the ReadFile fast path): method, item, bytes, duration, code and key id
 * (never the key). Also the single place where anything thrown below
 * becomes a ConnectError (errors.ts), and where calls arriving during
 * shutdown are refused.
 */
import { Code, type ConnectError, type Interceptor } from "@connectrpc/connect";
import type { Logger } from "pino";
import { callStatsKey, principalKey, type CallStats } from "../call-context.js";
import { fail, toConnectError } from "../errors.js";
import { createCallLog } from "./call-log-line.js";

/** Options of {@link createCallLogInterceptor}. */
export interface CallLogInterceptorOptions {
  /** Where the lines go. */
  readonly logger: Logger;
  /** Once aborted, new calls are refused with UNAVAILABLE. */
  readonly shutdownSignal?: AbortSignal;
}

/** Creates the logging interceptor; put it first (outermost). */
export function createCallLogInterceptor(options: CallLogInterceptorOptions): Interceptor {
  const { logger, shutdownSignal } = options;
  return (next) => async (req) => {
    const stats: CallStats = { bytes: 0 };
    req.contextValues.set(callStatsKey, stats);
    const log = createCallLog({
      logger,
      method: `${req.service.typeName}/${req.method.name}`,
      stats,
      keyId: () => req.contextValues.get(principalKey)?.keyId,
    });
    const failed = (error: unknown): ConnectError => {
      const ce = toConnectError(error);
      log(ce.code, ce);
      return ce;
    };
    if (shutdownSignal?.aborted)
      throw failed(fail(Code.Unavailable, "the server is shutting down; retry on another peer or later"));
    let res: Awaited<ReturnType<typeof next>>;
    try {
      res = await next(req);
    } catch (error) {
      throw failed(error);
    }
    if (!res.stream) {
      log("ok");
      return res;
    }
    const source = res.message;
    // A handler parked at a `yield` may never be resumed when the client goes
    // away (connect-node does not always call return()), so the signal also
    // writes the line; `log` writes once.
    const signal = req.signal;
    const onAbort = () => log(toConnectError(signal.reason).code, toConnectError(signal.reason));
    signal.addEventListener("abort", onAbort, { once: true });
    async function* withLog(): AsyncGenerator<unknown, void, undefined> {
      let completed = false;
      try {
        yield* source;
        completed = true;
      } catch (error) {
        throw failed(error);
      } finally {
        signal.removeEventListener("abort", onAbort);
        // Ended without finishing or failing: the consumer (client) went away.
        log(completed ? "ok" : Code.Canceled);
      }
    }
    return { ...res, message: withLog() } as typeof res;
  };
}
