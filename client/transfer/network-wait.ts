/**
 * Waiting on the network under an idle timer (docs/downloads.md "One attempt", step 6):
 * no bytes for `idleTimeoutMs` aborts the attempt, but the timer never runs across a slow
 * disk write (a silent network may be our own backpressure).
 */
import { DownloadError } from "../errors.js";

/** Awaits network steps under the idle timer. */
export interface NetworkWait {
  /** Awaits `promise` (a network step); rejects with the abort reason if the attempt ends first. */
  wait<T>(promise: Promise<T>): Promise<T>;
  /** Clears a running timer (the attempt ended). */
  clear(): void;
}

/**
 * Creates the waiter. `ctl` is the attempt's controller (aborted with "idle-timeout" by the
 * timer); `writeInFlight` returns the disk write in flight, if any.
 */
export function createNetworkWait(
  ctl: AbortController,
  idleTimeoutMs: number,
  writeInFlight: () => Promise<void> | undefined,
): NetworkWait {
  let idle: NodeJS.Timeout | undefined;
  return {
    async wait<T>(promise: Promise<T>): Promise<T> {
      const w = writeInFlight();
      if (w !== undefined) {
        // Until the write ends, a silent network may be our own backpressure: wait for the disk first.
        const settled = () => "settled" as const;
        const network = promise.then(
          () => "network" as const,
          () => "network" as const,
        );
        const first = await raceAbort(Promise.race([network, w.then(settled, settled)]), ctl.signal);
        if (first === "network") return promise;
      }
      idle = setTimeout(
        () =>
          ctl.abort(
            new DownloadError("idle-timeout", `no bytes from the peer for ${Math.round(idleTimeoutMs / 1000)} s`),
          ),
        idleTimeoutMs,
      );
      try {
        return await raceAbort(promise, ctl.signal);
      } finally {
        clearTimeout(idle);
      }
    },
    clear() {
      clearTimeout(idle);
    },
  };
}

/** Rejects with the signal's reason when it aborts first (a stuck read must not hang the attempt). */
export function raceAbort<T>(promise: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) {
    promise.catch(() => undefined);
    return Promise.reject(signal.reason);
  }
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason);
    signal.addEventListener("abort", onAbort, { once: true });
    promise.then(
      (v) => {
        signal.removeEventListener("abort", onAbort);
        resolve(v);
      },
      (e) => {
        signal.removeEventListener("abort", onAbort);
        reject(e);
      },
    );
  });
}
